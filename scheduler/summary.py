"""The weekly summary as a subscription: its reserved key, its defaults, and its week.

A person who opts in gets a subscription row whose ritual key is ``WEEKLY_SUMMARY``. It is
not in the catalogue, so nothing that lists, rates or names rituals ever treats it as one
(``messages.is_ritual`` is False for it); the dispatcher claims, sends and records it like
any prompt, so it gets the same guarantees (one per due time, leases, grace, pauses), and
renders it as the summary of the week instead of a prompt with rating buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from progress.calendar import due_on, local_day
from progress.summary import weekly_summary
from scheduler.zones import resolve_zone
from store.progress import history, milestones_between

# Reserved: never a catalogue key (they are chosen by people editing rituals.toml, and a
# test proves this one stays free).
WEEKLY_SUMMARY = "weekly_summary"
DEFAULT_WEEKDAY = 6  # Sunday
DEFAULT_TIME = "18:00"

_WEEK = 7


@dataclass(frozen=True, slots=True)
class SummaryWeek:
    """The 7 local days a summary covers, ending with the day it is due."""

    start: date  # the first local day
    since: datetime  # the first day's local midnight, in UTC: milestones count from here
    history_since: datetime  # a week earlier: the week before is compared too
    until: datetime  # the send time: nothing after it belongs to this summary


def summary_week(due_at: datetime, zone: tzinfo, sent_at: datetime | None = None) -> SummaryWeek:
    """The week a summary due at ``due_at`` (aware) covers, on the person's wall clock.

    Its days are the 7 local days ending with the due day, so a summary sent a little late
    (within the grace period) still covers the week it was due for.
    """
    last = local_day(due_at, zone)
    start = last - timedelta(days=_WEEK - 1)
    return SummaryWeek(
        start=start,
        since=due_on(start, time(0, 0), zone),
        history_since=due_on(start - timedelta(days=_WEEK), time(0, 0), zone),
        until=max(due_at, sent_at or due_at).astimezone(UTC),
    )


async def summary_text(
    session: AsyncSession,
    *,
    user_id: int,
    locale: str,
    timezone: str | None,
    due_at: datetime,
    now: datetime,
) -> str:
    """The person's weekly summary for the week ending at ``due_at``, from the store."""
    zone = resolve_zone(timezone or "UTC")
    week = summary_week(due_at, zone, now)
    entries = await history(session, user_id=user_id, since=week.history_since, until=week.until)
    reached = await milestones_between(
        session, user_id=user_id, since=week.since, until=week.until
    )
    return weekly_summary(entries, zone, week.start, reached, locale)
