"""Every change of when a person is prompted, in one place.

Turning a ritual (or the weekly summary) on or off, its days and time, the person's zone,
pausing and resuming (the person or one ritual), consent, blocking and coming back, the
crisis pause: each function here sets the fields, recomputes `next_due_at` of what it
touched, and settles prompts that no longer belong (a snoozed prompt would otherwise come
back after its ritual was turned off or paused; an open one can no longer be put off).
Each change also starts the count of untouched prompts afresh: it is the person's own
choice of pace (scheduler.pacing). Handlers call these and nothing else writes
`next_due_at` (a test reads the source to keep it so); the dispatcher moves a claimed
subscription on with `advance`, and parks the rituals of someone who agreed to an older
consent text with `park`.

The functions work on a person loaded with their subscriptions (store.users.get_user), in
the caller's transaction, keyword-only after the session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import BigInteger, Integer, SmallInteger, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from messages.consent import CONSENT_VERSION
from progress.calendar import UNTIL_RESUMED, due_on
from scheduler.planning import Standing, next_due_for, weekdays_to_text
from scheduler.prompt_cycle import Cycle
from scheduler.summary import DEFAULT_TIME, DEFAULT_WEEKDAY, WEEKLY_SUMMARY
from scheduler.zones import resolve_zone
from store.models import Base, Prompt, PromptState, Subscription, User, UTCDateTime
from store.pacing import touched
from store.partner_rounds import SHARED_RITUAL, hold_back
from store.subscriptions import find_subscription

# ---- reading a row as plain values -------------------------------------------------------


def standing_of(sub: Subscription, user: User) -> Standing:
    """What, besides the calendar, decides whether `sub` prompts."""
    return Standing(
        active=sub.active,
        timezone=user.timezone,
        blocked=user.blocked_at is not None,
        consent_version=user.consent_version if user.consented_at is not None else 0,
        person_paused_until=user.paused_until,
        ritual_paused_until=sub.paused_until,
    )


def next_due(sub: Subscription, user: User, after: datetime) -> datetime | None:
    """When `sub` is next due after `after`, as its row and its person say now."""
    return next_due_for(
        local_time=sub.local_time,
        weekdays=sub.weekdays,
        standing=standing_of(sub, user),
        after=after,
    )


# ---- one ritual (or the weekly summary) ----------------------------------------------------


async def turn_on(
    session: AsyncSession,
    *,
    user: User,
    ritual_key: str,
    now: datetime,
    local_time: str | None = None,
    weekdays: str | None = None,
    default_time: str = DEFAULT_TIME,
    default_weekdays: str = str(DEFAULT_WEEKDAY),
) -> Subscription:
    """Turn a ritual on (or change its time): the row is made once and reused after an
    opt-out. Unset, the time and days are what it had, else the defaults given. A ritual
    that is on and paused stays paused: a new time waits for the pause's end."""
    sub = find_subscription(user, ritual_key)
    if sub is None:
        # Appending to the loaded collection adds the row to the person's session.
        sub = Subscription(ritual_key=ritual_key, created_at=now)
        user.subscriptions.append(sub)
        sub.local_time, sub.weekdays = default_time, default_weekdays
    sub.local_time = local_time or sub.local_time
    sub.weekdays = weekdays or sub.weekdays
    sub.active = True
    _replan(sub, user, now)
    return sub


async def turn_off(session: AsyncSession, *, user: User, ritual_key: str, now: datetime) -> None:
    """Turn a ritual off; its history stays, and nothing of it comes back, snoozed or not.
    Turning it on again starts it unpaused."""
    sub = find_subscription(user, ritual_key)
    if sub is None:
        return
    sub.active = False
    sub.paused_until = None
    _replan(sub, user, now)
    await _settle(session, user_id=user.id, subscription_id=sub.id)
    if ritual_key == SHARED_RITUAL:
        await hold_back(session, user_id=user.id)


async def set_days(
    session: AsyncSession, *, user: User, ritual_key: str, weekdays: frozenset[int], now: datetime
) -> None:
    """Choose the weekdays a ritual that is on comes on."""
    sub = _on(user, ritual_key)
    sub.weekdays = weekdays_to_text(weekdays)
    _replan(sub, user, now)


async def pause_ritual(
    session: AsyncSession, *, user: User, ritual_key: str, until: datetime, now: datetime
) -> None:
    """Pause one ritual until `until` (UNTIL_RESUMED: until resumed); the others go on."""
    sub = _on(user, ritual_key)
    sub.paused_until = until
    _replan(sub, user, now)
    await _settle(session, user_id=user.id, subscription_id=sub.id)
    if ritual_key == SHARED_RITUAL:
        await hold_back(session, user_id=user.id)


async def resume_ritual(
    session: AsyncSession, *, user: User, ritual_key: str, now: datetime
) -> None:
    """End one ritual's pause: it comes at its next time from now."""
    sub = _on(user, ritual_key)
    sub.paused_until = None
    _replan(sub, user, now)


# ---- the weekly summary: a subscription with a reserved key -------------------------------


async def summary_on(
    session: AsyncSession, *, user: User, now: datetime, local_time: str | None = None
) -> Subscription:
    """Turn the weekly summary on at the day and time it had (or Sunday 18:00)."""
    return await turn_on(
        session, user=user, ritual_key=WEEKLY_SUMMARY, now=now, local_time=local_time
    )


async def summary_off(session: AsyncSession, *, user: User, now: datetime) -> None:
    """Turn the weekly summary off."""
    await turn_off(session, user=user, ritual_key=WEEKLY_SUMMARY, now=now)


async def summary_day(session: AsyncSession, *, user: User, day: int, now: datetime) -> None:
    """The one weekday the summary comes on."""
    await set_days(
        session, user=user, ritual_key=WEEKLY_SUMMARY, weekdays=frozenset({day}), now=now
    )


# ---- the person ----------------------------------------------------------------------------


async def set_timezone(session: AsyncSession, *, user: User, zone: str, now: datetime) -> None:
    """The person's zone: every ritual follows their new wall clock."""
    user.timezone = zone
    _replan_all(user, now)


async def pause(session: AsyncSession, *, user: User, until: datetime, now: datetime) -> None:
    """A break from every prompt until `until` (UNTIL_RESUMED: until resumed)."""
    user.paused_until = until
    _replan_all(user, now)
    # A prompt put off with "Later" would otherwise come back in the middle of the pause.
    await _settle(session, user_id=user.id)
    await hold_back(session, user_id=user.id)


async def resume(session: AsyncSession, *, user: User, now: datetime) -> None:
    """End the person's pause: each ritual comes at its next time from now."""
    user.paused_until = None
    _replan_all(user, now)


async def crisis_pause(session: AsyncSession, *, user: User, now: datetime) -> None:
    """After a crisis reply: nothing more today; prompts start again at local midnight."""
    zone = resolve_zone(user.timezone or "UTC")
    midnight = due_on(now.astimezone(zone).date() + timedelta(days=1), time(0, 0), zone)
    await pause(session, user=user, until=midnight, now=now)


async def consent_given(session: AsyncSession, *, user: User, now: datetime) -> None:
    """A newcomer agreed: nothing is scheduled yet (their zone comes next)."""
    user.consented_at = now
    user.consent_version = CONSENT_VERSION
    _replan_all(user, now)


async def consent_renewed(session: AsyncSession, *, user: User, now: datetime) -> None:
    """Someone who agreed to an older text agreed to this one: their rituals start again."""
    user.consent_version = CONSENT_VERSION
    user.paused_until = None
    _replan_all(user, now)


async def consent_declined(session: AsyncSession, *, user: User, now: datetime) -> None:
    """Someone declined a newer consent text: their data stays theirs, nothing is sent."""
    await pause(session, user=user, until=UNTIL_RESUMED, now=now)


async def unblocked(session: AsyncSession, *, user: User, now: datetime) -> None:
    """They blocked the bot and came back: everything they chose starts again."""
    user.blocked_at = None
    _replan_all(user, now)


async def blocked(session: AsyncSession, *, user_id: int, now: datetime) -> None:
    """Telegram refused delivery: stop every prompt until the person says /start again."""
    await session.execute(update(User).where(User.id == user_id).values(blocked_at=now))
    await session.execute(
        update(Subscription).where(Subscription.user_id == user_id).values(next_due_at=None)
    )
    await _settle(session, user_id=user_id)
    await hold_back(session, user_id=user_id)


# ---- what the dispatcher does to a schedule ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Move:
    """Where a claimed subscription moves, its count of prompts sent so far, and where
    it stands in its cycle of prompts."""

    subscription_id: int
    next_due_at: datetime | None
    prompts_claimed: int
    cycle: Cycle


_SUBS = Base.metadata.tables["subscriptions"]
# Core, not the ORM: one executemany UPDATE for a whole batch.
_ADVANCE = (
    update(_SUBS)
    .where(_SUBS.c.id == bindparam("sub_id"))
    .values(
        next_due_at=bindparam("next_due"),
        prompts_claimed=bindparam("claimed"),
        cycle_shown=bindparam("shown"),
        last_prompt=bindparam("last"),
    )
)
# PostgreSQL executes an executemany once per row; the same moves as five arrays, unnested
# into one UPDATE, are one execution: about half the server's time at 1,000 rows.
_MOVES = (
    func.unnest(
        bindparam("sub_id", type_=ARRAY(Integer)),
        bindparam("next_due", type_=ARRAY(UTCDateTime())),
        bindparam("claimed", type_=ARRAY(Integer)),
        bindparam("shown", type_=ARRAY(BigInteger)),
        bindparam("last", type_=ARRAY(SmallInteger)),
    )
    .table_valued("sub_id", "next_due", "claimed", "shown", "last")
    .render_derived()
)
_ADVANCE_ARRAYS = (
    update(_SUBS)
    .where(_SUBS.c.id == _MOVES.c.sub_id)
    .values(
        next_due_at=_MOVES.c.next_due,
        prompts_claimed=_MOVES.c.claimed,
        cycle_shown=_MOVES.c.shown,
        last_prompt=_MOVES.c.last,
    )
)


async def advance(session: AsyncSession, *, moves: Sequence[Move]) -> None:
    """Move claimed subscriptions on to their next due time, in one statement."""
    if not moves:
        return
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(
            _ADVANCE_ARRAYS,
            {
                "sub_id": [m.subscription_id for m in moves],
                "next_due": [m.next_due_at for m in moves],
                "claimed": [m.prompts_claimed for m in moves],
                "shown": [m.cycle.shown for m in moves],
                "last": [m.cycle.last for m in moves],
            },
        )
        return
    rows = [
        {
            "sub_id": m.subscription_id,
            "next_due": m.next_due_at,
            "claimed": m.prompts_claimed,
            "shown": m.cycle.shown,
            "last": m.cycle.last,
        }
        for m in moves
    ]
    await session.execute(_ADVANCE, rows)


async def park(session: AsyncSession, *, user_ids: Sequence[int]) -> None:
    """Take every subscription of these people out of the due scan until a change above
    (consent renewed) brings them back."""
    if user_ids:
        await session.execute(
            update(Subscription).where(Subscription.user_id.in_(user_ids)).values(next_due_at=None)
        )


def withdraw(prompt: Prompt) -> None:
    """A snoozed or leased prompt whose subscription may no longer prompt: expired quietly."""
    prompt.state = PromptState.EXPIRED
    prompt.snoozed_until = None


# ---- helpers ---------------------------------------------------------------------------------


def _on(user: User, ritual_key: str) -> Subscription:
    sub = find_subscription(user, ritual_key)
    if sub is None or not sub.active:
        raise ValueError("the ritual is off")  # handlers check first, and say so kindly
    return sub


def _replan(sub: Subscription, user: User, now: datetime) -> None:
    sub.next_due_at = next_due(sub, user, now)
    # Every change here is the person's own choice of pace: counting untouched prompts
    # starts again (scheduler.pacing).
    touched(sub)


def _replan_all(user: User, now: datetime) -> None:
    for sub in user.subscriptions:
        _replan(sub, user, now)


async def _settle(
    session: AsyncSession, *, user_id: int, subscription_id: int | None = None
) -> None:
    """The person's open prompts (or one ritual's) close, and snoozed ones won't come back.

    They expire quietly, as an unanswered prompt does; a late tap on one still counts,
    but "Later" no longer applies to a ritual that is off or paused.
    """
    subscriptions = select(Subscription.id).where(Subscription.user_id == user_id)
    if subscription_id is not None:
        subscriptions = subscriptions.where(Subscription.id == subscription_id)
    await session.execute(
        update(Prompt)
        .where(
            Prompt.state.in_([PromptState.SENT, PromptState.SNOOZED]),
            Prompt.subscription_id.in_(subscriptions),
        )
        .values(state=PromptState.EXPIRED, snoozed_until=None)
    )
