"""Keeping `next_due_at` right: from a subscription's stored rule and the person's zone."""

from __future__ import annotations

from datetime import datetime, time

from scheduler.schedule import next_due
from scheduler.zones import resolve_zone
from store.models import Subscription, User


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
    """When `sub` is next due strictly after `after`, in the person's zone."""
    return next_due(
        local_time=time_from_text(sub.local_time),
        weekdays=weekdays_from_text(sub.weekdays),
        zone=resolve_zone(timezone),
        after=after,
    )


def reschedule(user: User, now: datetime) -> None:
    """Recompute every active subscription's next time (after a zone change or return)."""
    if user.timezone is None:
        return
    for sub in user.subscriptions:
        sub.next_due_at = due_after(sub, user.timezone, now) if sub.active else None
