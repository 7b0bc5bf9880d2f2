"""Data access for prompts: claiming what is due, and recording what became of it.

Claiming is the dispatcher's hot path, so it works on plain rows (SQLAlchemy Core) and
costs the same few statements whatever the batch size: one locking SELECT of the due
rows with their people's columns, one multi-row INSERT of the prompt rows (and
scheduler.changes moves the subscriptions on in one executemany UPDATE). Through the
ORM, SQLite would get one INSERT per prompt (an ordered RETURNING cannot be batched
there). Everything a person does to one
prompt (a tap, Later, Skip) stays on the ORM: one row at a time, rarely.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, case, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from store.models import Base, Prompt, PromptState, Subscription, User
from store.pacing import count_untouched, touched


@dataclass(frozen=True, slots=True)
class ClaimedPrompt:
    """What the dispatcher needs to send one prompt, detached from the session."""

    prompt_id: int
    user_id: int
    chat_id: int
    locale: str
    ritual_key: str
    variant: int  # which of the ritual's prompts
    can_snooze: bool
    claimed_at: datetime  # when it was claimed to be sent: the moment its words speak of
    due_at: datetime | None = None  # what a weekly summary needs to know its week
    timezone: str | None = None
    discreet: bool = False  # a neutral first line until the person taps Open
    quiet: bool = False  # no sound or vibration
    # Gentle pacing: this due time brings the question about the ritual's pace instead of
    # the prompt (scheduler.pacing); its days shape the question's buttons.
    pacing: bool = False
    weekdays: str = ""


def claimed(prompt: Prompt, sub: Subscription, user: User) -> ClaimedPrompt:
    """The detached view of a prompt that was just claimed."""
    return ClaimedPrompt(
        prompt_id=prompt.id,
        user_id=user.id,
        chat_id=user.chat_id,
        locale=user.locale,
        ritual_key=sub.ritual_key,
        variant=prompt.variant,
        # A snoozed prompt comes back once; it isn't offered "Later" a second time.
        can_snooze=prompt.snoozes == 0,
        claimed_at=prompt.claimed_at,
        due_at=prompt.due_at,
        timezone=user.timezone,
        discreet=user.discreet,
        quiet=user.quiet,
        pacing=prompt.due_at == sub.pacing_asked_at,
        weekdays=sub.weekdays,
    )


class DueSubscription(NamedTuple):
    """A due subscription with what claiming it needs of its person, as plain values."""

    id: int
    ritual_key: str
    local_time: str
    weekdays: str
    active: bool
    paused_until: datetime | None
    prompts_claimed: int
    cycle_shown: int
    last_prompt: int | None
    next_due_at: datetime
    user_id: int
    chat_id: int
    locale: str
    timezone: str | None
    user_paused_until: datetime | None
    blocked_at: datetime | None
    discreet: bool
    quiet: bool
    consent_version: int
    unanswered: int
    pacing_asked_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewPrompt:
    """A prompt row to insert for a due subscription."""

    subscription_id: int
    due_at: datetime
    variant: int  # which of the ritual's prompts
    state: str  # claimed, or expired when found too late to send


_SUBS, _USERS, _PROMPTS = (Base.metadata.tables[t] for t in ("subscriptions", "users", "prompts"))
# Columns in DueSubscription's order; FOR UPDATE locks the subscription rows only.
_DUE = (
    select(
        _SUBS.c.id, _SUBS.c.ritual_key, _SUBS.c.local_time, _SUBS.c.weekdays, _SUBS.c.active,
        _SUBS.c.paused_until, _SUBS.c.prompts_claimed, _SUBS.c.cycle_shown,
        _SUBS.c.last_prompt, _SUBS.c.next_due_at,
        _USERS.c.id, _USERS.c.chat_id, _USERS.c.locale, _USERS.c.timezone,
        _USERS.c.paused_until, _USERS.c.blocked_at, _USERS.c.discreet, _USERS.c.quiet,
        _USERS.c.consent_version, _SUBS.c.unanswered, _SUBS.c.pacing_asked_at,
    )
    .join(_USERS, _USERS.c.id == _SUBS.c.user_id)
    .order_by(_SUBS.c.next_due_at)
    .with_for_update(skip_locked=True, of=_SUBS)
)  # fmt: skip
_INSERT = insert(_PROMPTS).returning(_PROMPTS.c.subscription_id, _PROMPTS.c.id)


async def due_rows(session: AsyncSession, *, now: datetime, limit: int) -> list[DueSubscription]:
    """Lock up to `limit` due subscriptions, oldest first, with their people's columns.

    On PostgreSQL `SKIP LOCKED` lets several dispatchers share the work: rows another
    transaction holds are passed over instead of waited for. SQLite ignores the clause
    and serialises writers itself.
    """
    result = await session.execute(_DUE.where(_SUBS.c.next_due_at <= now).limit(limit))
    return [DueSubscription._make(row) for row in result]


async def insert_claims(
    session: AsyncSession, *, claims: Sequence[NewPrompt], claimed_at: datetime
) -> dict[int, int]:
    """Insert the prompt rows; prompt id per subscription id.

    The insert is unique on (subscription, due time): a due time claimed twice fails the
    whole transaction instead of becoming two prompts.
    """
    if not claims:
        return {}
    rows = [
        {"subscription_id": c.subscription_id, "due_at": c.due_at, "claimed_at": claimed_at,
         "variant": c.variant, "state": c.state, "snoozes": 0}
        for c in claims
    ]  # fmt: skip
    # RETURNING order is not the parameters' order: pair the ids by subscription.
    inserted = await session.execute(_INSERT, rows)
    return {subscription_id: prompt_id for subscription_id, prompt_id in inserted.tuples()}


# Prompts to send again: snoozed ones whose time came, and claims that outlived their lease.
# Built once: every claim asks both, and building an ORM query costs more than running it.
_RESEND = tuple(
    select(Prompt)
    .where(condition)
    .order_by(Prompt.id)
    .limit(bindparam("room"))
    .options(joinedload(Prompt.subscription).joinedload(Subscription.user))
    .with_for_update(skip_locked=True, of=Prompt)
    for condition in (
        (Prompt.state == PromptState.SNOOZED) & (Prompt.snoozed_until <= bindparam("now")),
        (Prompt.state == PromptState.CLAIMED) & (Prompt.claimed_at < bindparam("expired")),
    )
)


async def prompts_to_resend(
    session: AsyncSession, *, now: datetime, lease_expired: datetime, limit: int
) -> list[Prompt]:
    """Lock prompts whose snooze is over, or whose claim outlived its lease.

    A claim older than the lease belongs to a dispatcher that died between committing
    the claim and recording the send; any dispatcher may take it over. Two queries, so
    each is answered from its own index.
    """
    found: list[Prompt] = []
    for query in _RESEND:
        values = {"now": now, "expired": lease_expired, "room": limit - len(found)}
        found.extend(await session.scalars(query, values))
        if len(found) >= limit:
            break
    return found


async def release_claims(
    session: AsyncSession, *, prompt_ids: Sequence[int], lease_over: datetime
) -> None:
    """Hand claimed, unsent prompts back: their lease counts as over, so the next tick of
    any dispatcher sends them (a stopping dispatcher releases what it will not send)."""
    await session.execute(
        update(Prompt)
        .where(Prompt.id.in_(prompt_ids), Prompt.state == PromptState.CLAIMED)
        .values(claimed_at=lease_over - timedelta(seconds=1))
    )


# Built once, with the ids as one expanding parameter: building it anew, with one bound
# parameter per id, took a fifth of a 200-prompt claim's Python time. Through the
# ORM, so the session flushes the prompts a claim takes over before it runs; none of them
# is sent or snoozed in the database by then, so none needs synchronising.
_SUPERSEDED = (
    update(Prompt)
    .where(
        Prompt.subscription_id.in_(bindparam("ids", expanding=True)),
        Prompt.state.in_([PromptState.SENT, PromptState.SNOOZED]),
    )
    .values(state=PromptState.EXPIRED, snoozed_until=None)
    .returning(Prompt.subscription_id, Prompt.snoozes)
    .execution_options(synchronize_session=False)
)


async def expire_superseded(session: AsyncSession, *, subscription_ids: Iterable[int]) -> set[int]:
    """A new prompt of a ritual quietly retires the earlier unanswered ones.

    Returns the subscriptions whose retired prompt went untouched (counted for pacing).
    """
    ids = list(subscription_ids)
    if not ids:
        return set()
    closed = await session.execute(_SUPERSEDED, {"ids": ids})
    return await _count_untouched(session, closed.tuples())


async def expire_unanswered(session: AsyncSession, *, sent_before: datetime) -> None:
    """Prompts left unanswered for a day expire quietly (a late tap still counts)."""
    stale = (Prompt.state == PromptState.SENT) & (Prompt.sent_at < sent_before)
    ritual_ids = set(await session.scalars(select(Prompt.subscription_id).where(stale)))
    if not ritual_ids:
        return
    # Their subscriptions are locked first, in the order every other writer takes them (a
    # tap, a claim, a change: subscription, then prompt), so a tap on a prompt that is
    # expiring just then waits instead of deadlocking.
    await session.execute(
        select(Subscription.id)
        .where(Subscription.id.in_(sorted(ritual_ids)))
        .order_by(Subscription.id)
        .with_for_update()
    )
    closed = await session.execute(
        update(Prompt)
        .where(stale)
        .values(state=PromptState.EXPIRED)
        .returning(Prompt.subscription_id, Prompt.snoozes)
    )
    await _count_untouched(session, closed.tuples())


async def _count_untouched(session: AsyncSession, closed: Iterable[tuple[int, int]]) -> set[int]:
    """Count the closed prompts that were never touched; one put off with Later was."""
    untouched = {subscription_id for subscription_id, snoozes in closed if snoozes == 0}
    await count_untouched(session, subscription_ids=untouched)
    return untouched


# The person may tap (rate, Later, Skip) before the send is recorded: that answer stands,
# only a prompt still merely claimed becomes "sent".
_MARK_SENT = (
    update(_PROMPTS)
    .where(_PROMPTS.c.id == bindparam("pid"))
    .values(
        state=case(
            (_PROMPTS.c.state == PromptState.CLAIMED, PromptState.SENT),
            else_=_PROMPTS.c.state,
        ),
        message_id=bindparam("mid"),
        sent_at=bindparam("now"),
    )
)


async def mark_sent(
    session: AsyncSession, *, sent: Iterable[tuple[int, int]], now: datetime
) -> None:
    """These prompts reached Telegram: (prompt id, message id) pairs, in one statement."""
    rows = [{"pid": prompt_id, "mid": message_id, "now": now} for prompt_id, message_id in sent]
    if rows:
        await session.execute(_MARK_SENT, rows)


async def mark_failed(session: AsyncSession, *, prompt_id: int) -> None:
    """The prompt could not be delivered."""
    await session.execute(
        update(Prompt).where(Prompt.id == prompt_id).values(state=PromptState.FAILED)
    )


async def get_prompt(session: AsyncSession, *, prompt_id: int) -> Prompt | None:
    """A prompt with its subscription and person, for handling a tap on it."""
    prompt: Prompt | None = await session.scalar(
        select(Prompt)
        .where(Prompt.id == prompt_id)
        .options(joinedload(Prompt.subscription).joinedload(Subscription.user))
    )
    return prompt


# Built once, so a tap's prompt read hits the compiled cache without being rebuilt.
_OWN_PROMPT = (
    select(Prompt)
    .join(Subscription, Subscription.id == Prompt.subscription_id)
    .where(Prompt.id == bindparam("prompt_id"), Subscription.user_id == bindparam("user_id"))
)


async def own_prompt(session: AsyncSession, *, prompt_id: int, user: User) -> Prompt | None:
    """A prompt of one of `user`'s rituals, for handling their tap on it; None for a row
    that is not theirs (or no row at all).

    The person comes with their subscriptions (store.users.get_user), so only the prompt's
    own columns are read, and its subscription is the one already loaded.
    """
    prompt: Prompt | None = await session.scalar(
        _OWN_PROMPT, {"prompt_id": prompt_id, "user_id": user.id}
    )
    if prompt is None:
        return None
    loaded = [s for s in user.subscriptions if s.id == prompt.subscription_id]
    # A ritual committed by another transaction after the person was read is not among
    # theirs yet: read it (its person is the one loaded).
    sub = loaded[0] if loaded else await session.get(Subscription, prompt.subscription_id)
    set_committed_value(prompt, "subscription", sub)
    return prompt


def snooze(prompt: Prompt, *, until: datetime) -> None:
    """Bring the prompt back once, at `until`, as the same prompt."""
    prompt.state = PromptState.SNOOZED
    prompt.snoozed_until = until
    prompt.snoozes += 1
    touched(prompt.subscription)


def skip(prompt: Prompt) -> None:
    """The person chose to skip this one: no penalty, no follow-up."""
    prompt.state = PromptState.SKIPPED
    prompt.snoozed_until = None
    touched(prompt.subscription)
