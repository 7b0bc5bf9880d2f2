"""Data access for check-ins: the ratings people give, sealed with their own key.

Every check-in handed out here is opened: its `ritual_key`, `rating` and `win` are set
from the sealed columns, so the rest of the code reads them as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from store import sealing
from store.models import CheckIn, Prompt, PromptState
from store.pacing import touched
from store.person_keys import KeyGone, key_of, key_to_seal
from store.sealing import PersonKey

# Where `previous` keeps what it read, in the session's info.
_PREVIOUS = "attune.previous_check_in"


class Previous(NamedTuple):
    """What a check-in needs of the one made before it."""

    rating: int
    created_at: datetime


async def rate_prompt(
    session: AsyncSession, *, prompt: Prompt, user_id: int, rating: int, now: datetime
) -> tuple[CheckIn, bool]:
    """Store the rating for a prompt; a second tap changes it. Returns (check-in, is_new)."""
    key = await key_to_seal(session, user_id=user_id)
    ritual_key = prompt.subscription.ritual_key
    # A prompt has a check-in only once it is answered (they are stored together, and an
    # answered prompt stays answered), so a first rating looks for none.
    check_in = None
    if prompt.state == PromptState.ANSWERED:
        check_in = await session.scalar(select(CheckIn).where(CheckIn.prompt_id == prompt.id))
    prompt.state = PromptState.ANSWERED
    prompt.snoozed_until = None  # a snoozed prompt rated meanwhile does not come back
    touched(prompt.subscription)  # even a late answer: the practice found its moment
    if check_in is not None:
        opened(key, check_in)
        check_in.sealed = key.seal_check_in(check_in.ritual_key, rating)
        check_in.rating = rating
        check_in.updated_at = now
        await session.flush()
        return check_in, False
    check_in = await add_check_in(
        session,
        user_id=user_id,
        ritual_key=ritual_key,
        rating=rating,
        practiced_at=prompt.due_at,
        now=now,
        prompt_id=prompt.id,
    )
    return check_in, True


async def add_check_in(
    session: AsyncSession,
    *,
    user_id: int,
    ritual_key: str,
    rating: int,
    practiced_at: datetime,
    now: datetime,
    prompt_id: int | None = None,
) -> CheckIn:
    """Store a new check-in, sealed with the person's key (made now if they have none)."""
    key = await key_to_seal(session, user_id=user_id)
    check_in = CheckIn(
        user_id=user_id,
        prompt_id=prompt_id,
        sealed=key.seal_check_in(ritual_key, rating),
        practiced_at=practiced_at,
        created_at=now,
        updated_at=now,
    )
    check_in.ritual_key, check_in.rating, check_in.win = ritual_key, rating, None
    session.add(check_in)
    await session.flush()
    return check_in


async def get_check_in(session: AsyncSession, *, check_in_id: int) -> CheckIn | None:
    """One check-in by id, opened (None if it doesn't exist, or its key is gone)."""
    check_in = await session.get(CheckIn, check_in_id)
    if check_in is None:
        return None
    try:
        key = await key_of(session, user_id=check_in.user_id)
    except KeyGone:
        return None  # erased a moment from now: as good as gone already
    if key is None:
        return None
    return opened(key, check_in)


async def open_check_ins(session: AsyncSession, check_ins: Iterable[CheckIn]) -> list[CheckIn]:
    """`check_ins` (rows of one person) opened with that person's key."""
    rows = list(check_ins)
    if not rows:
        return rows
    key = await key_of(session, user_id=rows[0].user_id)
    if key is None:
        raise KeyGone
    return [opened(key, row) for row in rows]


def opened(key: PersonKey, check_in: CheckIn) -> CheckIn:
    """Set the check-in's plain values from its sealed columns."""
    check_in.ritual_key, check_in.rating = key.open_check_in(check_in.sealed)
    check_in.win = (
        None if check_in.sealed_win is None else key.open_text(check_in.sealed_win, sealing.WIN)
    )
    return check_in


async def previous(session: AsyncSession, *, check_in: CheckIn) -> Previous | None:
    """The person's check-in made just before ``check_in``, if any: one step back in the
    (user, created_at) index, however long the person's history.

    Read once per session: a rating asks twice (is it a hard night, what did it reach), and
    the answer cannot change within the update's one transaction."""
    known: dict[int, Previous | None] = session.info.setdefault(_PREVIOUS, {})
    if check_in.id not in known:
        known[check_in.id] = await _previous(session, check_in)
    return known[check_in.id]


async def _previous(session: AsyncSession, check_in: CheckIn) -> Previous | None:
    row = (
        await session.execute(
            select(CheckIn.sealed, CheckIn.created_at)
            .where(
                CheckIn.user_id == check_in.user_id,
                or_(
                    CheckIn.created_at < check_in.created_at,
                    and_(CheckIn.created_at == check_in.created_at, CheckIn.id < check_in.id),
                ),
            )
            .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    key = await key_of(session, user_id=check_in.user_id)
    if key is None:
        raise KeyGone
    return Previous(key.open_check_in(row.sealed)[1], row.created_at)


async def name_win(session: AsyncSession, *, check_in: CheckIn, kind: str) -> bool:
    """Store the kind of step named with a check-in; False if one was named already.

    One UPDATE ... WHERE sealed_win IS NULL, so of two taps at once only one names it.
    """
    key = await key_to_seal(session, user_id=check_in.user_id)
    sealed = key.seal_text(kind, sealing.WIN)
    named = await session.scalar(
        update(CheckIn)
        .where(CheckIn.id == check_in.id, CheckIn.sealed_win.is_(None))
        .values(sealed_win=sealed)
        .returning(CheckIn.id)
        .execution_options(synchronize_session=False)
    )
    if named is None:
        return False
    set_committed_value(check_in, "sealed_win", sealed)
    check_in.win = kind
    return True
