"""Rounds of the shared weekly check-in between two partners: nobody goes first.

Each partner gets the needs-and-boundaries prompt at their own local time and day; the
dispatcher, claiming it, puts it in the newest open round with each partner they share with
that lacks their prompt (or starts one: `prompted`). A round waits a week for the other's
prompt, then the agreed days after the later of the two. When the second of the two
answers comes (`answered`), both are to be shown both answers, a few minutes later (time
to write a few words and choose to share them). If the deadline passes first, or either
pauses, turns the ritual off or blocks the bot (`hold_back`, called by scheduler.changes),
nothing is revealed: at the deadline each is told, gently, that nothing was shared this
week, never who did not answer.

Nothing anyone said is copied here: a turn points to its writer's prompt, and the answer
and words are read from the writer's own sealed check-in and note, with the writer's key,
when the message is made (`reveal_of`). Telling is claimed, sent and recorded like a
prompt (scheduler.reveals): `claim_tells` commits a lease before anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store import sealing
from store.models import (
    CheckIn,
    Link,
    Note,
    PartnerRound,
    PartnerSharing,
    PartnerTurn,
    Prompt,
    RoundState,
    User,
)
from store.partner_sharing import agreed_links, other_side, partner_links, partner_name
from store.person_keys import KeyGone, key_of

# The ritual partners can share.
SHARED_RITUAL = "needs_boundaries"
# How long a round waits for the other's prompt after the first one came.
FIRST_WAIT = timedelta(days=7)
# From the second answer to the reveal: time to write a few words and choose to share them.
SETTLE = timedelta(minutes=10)
_PENDING = (RoundState.OPEN, RoundState.REVEAL)


async def prompted(
    session: AsyncSession, *, prompts: Sequence[tuple[int, int, datetime]], now: datetime
) -> None:
    """Needs-and-boundaries prompts just claimed, as (person, prompt, due time): each joins
    the newest open round with every partner they share with that lacks its person's
    prompt, or starts one."""
    if not prompts:
        return
    links = await agreed_links(session, user_ids=[user_id for user_id, _, _ in prompts])
    for user_id, prompt_id, due_at in prompts:
        for link in links:
            if user_id in (link.user_id, link.member_id):
                await _join(session, link, user_id, prompt_id, due_at, now)


async def _join(
    session: AsyncSession,
    link: Link,
    user_id: int,
    prompt_id: int,
    due_at: datetime,
    now: datetime,
) -> None:
    # The agreement's row is the link's lock: two replicas claiming both partners' prompts
    # at once take turns here, so they never start two rounds for one week.
    sharing = await session.scalar(
        select(PartnerSharing).where(PartnerSharing.link_id == link.id).with_for_update()
    )
    if sharing is None or sharing.agreed_at is None:
        return
    turn = await session.scalar(
        select(PartnerTurn)
        .join(PartnerRound, PartnerRound.id == PartnerTurn.round_id)
        .where(
            PartnerRound.link_id == link.id,
            PartnerRound.state == RoundState.OPEN,
            PartnerRound.closes_at > now,
            PartnerTurn.user_id == user_id,
            PartnerTurn.prompt_id.is_(None),
        )
        # The newest: a prompt pairs with the other's latest, and an older round that waits
        # in vain (a week one of them skipped) closes with nothing shared.
        .order_by(PartnerRound.id.desc())
        .limit(1)
    )
    if turn is None:
        started = PartnerRound(
            link_id=link.id, state=RoundState.OPEN, closes_at=due_at + FIRST_WAIT, created_at=now
        )
        session.add(started)
        await session.flush()
        session.add_all(
            [
                PartnerTurn(round_id=started.id, user_id=user_id, prompt_id=prompt_id),
                PartnerTurn(round_id=started.id, user_id=other_side(link, user_id)),
            ]
        )
        await session.flush()
        return
    turn.prompt_id = prompt_id
    other_due = await session.scalar(
        select(Prompt.due_at)
        .join(PartnerTurn, PartnerTurn.prompt_id == Prompt.id)
        .where(PartnerTurn.round_id == turn.round_id, PartnerTurn.user_id != user_id)
    )
    later = max(due_at, other_due) if other_due is not None else due_at
    await session.execute(
        update(PartnerRound)
        .where(PartnerRound.id == turn.round_id)
        .values(closes_at=later + timedelta(days=sharing.deadline_days))
    )
    await session.flush()


# Every rating asks it, almost always of a prompt no round holds: built once, so it hits
# the compiled cache without being built again.
_OPEN_TURNS = (
    select(PartnerTurn)
    .join(PartnerRound, PartnerRound.id == PartnerTurn.round_id)
    .where(PartnerTurn.prompt_id == bindparam("prompt_id"), PartnerRound.state == RoundState.OPEN)
)


async def answered(session: AsyncSession, *, prompt_id: int, now: datetime) -> list[PartnerTurn]:
    """A rating for `prompt_id` was just stored: the open turns it answers; a round whose
    other answer is in too is to be revealed to both, SETTLE from now."""
    turns = list(await session.scalars(_OPEN_TURNS, {"prompt_id": prompt_id}))
    open_turns = []
    for turn in turns:
        # Locked, so of two answers given at once the later one sees the earlier.
        round_ = await session.scalar(
            select(PartnerRound).where(PartnerRound.id == turn.round_id).with_for_update()
        )
        if round_ is None or round_.state != RoundState.OPEN or round_.closes_at <= now:
            continue
        open_turns.append(turn)
        both = await session.scalar(
            select(CheckIn.id)
            .join(PartnerTurn, PartnerTurn.prompt_id == CheckIn.prompt_id)
            .where(PartnerTurn.round_id == round_.id, PartnerTurn.user_id != turn.user_id)
        )
        if both is not None:
            round_.state = RoundState.REVEAL
            await session.execute(
                update(PartnerTurn)
                .where(PartnerTurn.round_id == round_.id)
                .values(tell_at=now + SETTLE)
            )
    await session.flush()
    return open_turns


async def open_turns(session: AsyncSession, *, prompt_id: int) -> list[PartnerTurn]:
    """The turns of a prompt whose words may still be chosen for sharing: in a round not
    yet closed, and not yet being told."""
    return list(
        await session.scalars(
            select(PartnerTurn)
            .join(PartnerRound, PartnerRound.id == PartnerTurn.round_id)
            .where(
                PartnerTurn.prompt_id == prompt_id,
                PartnerRound.state.in_(_PENDING),
                PartnerTurn.claimed_at.is_(None),
            )
            .order_by(PartnerTurn.id)
        )
    )


async def choose_note(
    session: AsyncSession, *, turn_id: int, user_id: int, share: bool
) -> PartnerTurn | None:
    """The writer chooses whether their words are shown; None if the turn is not theirs,
    or its round was revealed, closed or forgotten meanwhile."""
    turn = await session.get(PartnerTurn, turn_id)
    if turn is None or turn.user_id != user_id or turn.claimed_at is not None:
        return None
    round_ = await session.get(PartnerRound, turn.round_id)
    if round_ is None or round_.state not in _PENDING:
        return None
    turn.share_note = share
    await session.flush()
    return turn


async def hold_back(session: AsyncSession, *, user_id: int) -> None:
    """The person paused, turned the shared ritual off or blocked the bot: no round of
    theirs that is still pending reveals anything. At its deadline each partner is told
    that nothing was shared (someone paused is not sent it: scheduler.reveals checks)."""
    link_ids = [link.id for link in await partner_links(session, user_id=user_id)]
    if not link_ids:
        return
    rounds = list(
        await session.scalars(
            select(PartnerRound)
            .where(PartnerRound.link_id.in_(link_ids), PartnerRound.state.in_(_PENDING))
            .with_for_update()
        )
    )
    for round_ in rounds:
        round_.state = RoundState.QUIET
        await session.execute(
            update(PartnerTurn)
            .where(PartnerTurn.round_id == round_.id, PartnerTurn.told_at.is_(None))
            .values(tell_at=round_.closes_at, claimed_at=None)
        )
    await session.flush()


# ---- telling: claimed, sent and recorded like a prompt (scheduler.reveals) ---------------


async def close_lapsed(session: AsyncSession, *, now: datetime) -> int:
    """Open rounds past their deadline close with nothing shared; each partner is to be
    told so now. Returns how many closed."""
    closed = list(
        await session.scalars(
            update(PartnerRound)
            .where(PartnerRound.state == RoundState.OPEN, PartnerRound.closes_at <= now)
            .values(state=RoundState.QUIET)
            .returning(PartnerRound.id)
        )
    )
    if closed:
        await session.execute(
            update(PartnerTurn)
            .where(PartnerTurn.round_id.in_(closed), PartnerTurn.told_at.is_(None))
            .values(tell_at=now)
        )
    return len(closed)


async def purge_rounds(session: AsyncSession, *, before: datetime) -> int:
    """Erase rounds that closed before `before` and have nobody left to tell; how many.
    A round points to prompts and links only, but a year of them would still say when two
    people checked in together: kept a month (scheduler.housekeeping), then gone."""
    untold = select(PartnerTurn.id).where(
        PartnerTurn.round_id == PartnerRound.id,
        PartnerTurn.tell_at.is_not(None),
        PartnerTurn.told_at.is_(None),
    )
    done = (
        select(PartnerRound.id)
        .where(
            PartnerRound.state != RoundState.OPEN,
            PartnerRound.closes_at < before,
            ~untold.exists(),
        )
        .scalar_subquery()
    )
    await session.execute(delete(PartnerTurn).where(PartnerTurn.round_id.in_(done)))
    gone = await session.scalars(
        delete(PartnerRound).where(PartnerRound.id.in_(done)).returning(PartnerRound.id)
    )
    return len(list(gone))


async def claim_tells(
    session: AsyncSession, *, now: datetime, lease_expired: datetime, limit: int
) -> list[int]:
    """Lease up to `limit` turns due to be told (none that another dispatcher holds, unless
    its lease ran out: it died before recording); committed by the caller before sending."""
    ids = list(
        await session.scalars(
            select(PartnerTurn.id)
            .where(
                PartnerTurn.tell_at <= now,
                PartnerTurn.told_at.is_(None),
                or_(PartnerTurn.claimed_at.is_(None), PartnerTurn.claimed_at < lease_expired),
            )
            .order_by(PartnerTurn.tell_at, PartnerTurn.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if ids:
        await session.execute(
            update(PartnerTurn).where(PartnerTurn.id.in_(ids)).values(claimed_at=now)
        )
    return ids


async def record_told(
    session: AsyncSession, *, turn_id: int, message_id: int | None, now: datetime
) -> None:
    """The person was told (`message_id` None: they were not to be sent it, or could not be
    reached); never again."""
    await session.execute(
        update(PartnerTurn)
        .where(PartnerTurn.id == turn_id)
        .values(told_at=now, message_id=message_id)
    )


@dataclass(frozen=True, slots=True)
class Reveal:
    """What one partner is told, opened: how the round ended, their partner's name, both
    ratings when it is revealed, and the partner's words only if the partner shared them."""

    turn_id: int
    user: User
    state: RoundState
    partner_name: str
    mine: int | None = None
    theirs: int | None = None
    their_words: str | None = None


async def reveal_of(session: AsyncSession, *, turn_id: int, now: datetime) -> Reveal | None:
    """The message `turn_id`'s person is due, opened with each writer's key now; None when
    the round was forgotten (unlinked, sharing stopped, /delete) or is not due yet."""
    turn = await session.get(PartnerTurn, turn_id)
    if turn is None or turn.tell_at is None or turn.tell_at > now:
        return None
    round_ = await session.get(PartnerRound, turn.round_id)
    if round_ is None or round_.state == RoundState.OPEN:
        return None
    link = await session.get(Link, round_.link_id)
    user = await session.get(User, turn.user_id)
    if link is None or user is None:
        return None
    other = await session.scalar(
        select(PartnerTurn).where(
            PartnerTurn.round_id == round_.id, PartnerTurn.user_id != turn.user_id
        )
    )
    try:
        name = await partner_name(session, link=link, viewer_id=user.id)
        if round_.state != RoundState.REVEAL or other is None:
            return Reveal(turn.id, user, RoundState.QUIET, name)
        mine, _ = await _answer(session, turn)
        theirs, words = await _answer(session, other)
    except (KeyGone, sealing.Unreadable):
        return None  # one of them is being erased this moment: nothing is shown
    if mine is None or theirs is None:
        return None
    return Reveal(turn.id, user, RoundState.REVEAL, name, mine, theirs, words)


async def _answer(session: AsyncSession, turn: PartnerTurn) -> tuple[int | None, str | None]:
    """A turn's rating and, if its writer chose to share them, their words: opened with
    the writer's own key."""
    if turn.prompt_id is None:
        return None, None
    row = await session.scalar(select(CheckIn).where(CheckIn.prompt_id == turn.prompt_id))
    key = await key_of(session, user_id=turn.user_id)
    if row is None or key is None:
        return None, None
    _, rating = key.open_check_in(row.sealed)
    if not turn.share_note:
        return rating, None
    note = await session.scalar(select(Note.sealed_body).where(Note.check_in_id == row.id))
    return rating, None if note is None else key.open_text(note, sealing.NOTE_BODY)
