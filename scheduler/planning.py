"""Keeping `next_due_at` right: from a subscription's rule, the person's zone and pauses."""

from __future__ import annotations

from datetime import UTC, datetime, time, tzinfo

from messages.consent import CONSENT_VERSION
from scheduler.schedule import next_due
from scheduler.zones import resolve_zone
from store.models import Subscription, User

# A pause "until resumed" is stored as this instant, so one column says both whether and
# until when; nothing is ever scheduled after it.
UNTIL_RESUMED = datetime(9999, 12, 31, tzinfo=UTC)


def weekdays_to_text(weekdays: frozenset[int]) -> str:
    """The stored form of a weekday set: sorted digits, 0 for Monday."""
    return "".join(str(d) for d in sorted(weekdays))


def weekdays_from_text(text: str) -> frozenset[int]:
    """The weekday set a stored string names."""
    return frozenset(int(d) for d in text)


def time_from_text(text: str) -> time:
    """The wall time a stored "HH:MM" names."""
    return time.fromisoformat(text)


def due_after(sub: Subscription, timezone: str, after: datetime) -> datetime:
    """When `sub`'s rule is next due strictly after `after`, in the person's zone."""
    return next_due(
        local_time=time_from_text(sub.local_time),
        weekdays=weekdays_from_text(sub.weekdays),
        zone=resolve_zone(timezone),
        after=after,
    )


def is_paused(until: datetime | None, now: datetime) -> bool:
    """True while a pause (of a person or of one ritual) is in force."""
    return until is not None and until > now


def next_due_for(sub: Subscription, user: User, after: datetime) -> datetime | None:
    """The next time `sub` is due after `after`, honouring every pause; None if never.

    A pause moves the next prompt to the first scheduled time after it ends, so the
    dispatcher needs no pause logic and a paused person is never counted as absent.
    """
    if not sub.active or user.timezone is None or user.blocked_at is not None:
        return None
    if user.consent_version is not None and user.consent_version < CONSENT_VERSION:
        return None  # nothing is sent until they agree to the consent text now in force
    start = after
    for until in (user.paused_until, sub.paused_until):
        if is_paused(until, start):
            assert until is not None
            if until >= UNTIL_RESUMED:
                return None
            start = until
    return due_after(sub, user.timezone, start)


def reschedule(user: User, now: datetime) -> None:
    """Recompute every subscription's next time (after a zone change, pause or return)."""
    for sub in user.subscriptions:
        sub.next_due_at = next_due_for(sub, user, now)


def day_period(instant: datetime, zone: tzinfo) -> str:
    """The part of the person's day an instant falls in, for a neutral prompt line."""
    hour = instant.astimezone(zone).hour
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 17:
        return "afternoon"
    if 17 <= hour < 23:  # a 22:00 bedtime ritual is still the evening's
        return "evening"
    return "night"
