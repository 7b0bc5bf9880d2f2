"""Data access for subscriptions: a person's chosen rituals and when each is next due."""

from __future__ import annotations

from datetime import datetime

from store.models import Subscription, User


def find_subscription(user: User, ritual_key: str) -> Subscription | None:
    """The person's subscription to a ritual, active or not, from their loaded list."""
    return next((s for s in user.subscriptions if s.ritual_key == ritual_key), None)


def start_subscription(
    user: User, *, ritual_key: str, local_time: str, weekdays: str, now: datetime
) -> Subscription:
    """Turn a ritual on at a time: the row is made once and reused after an opt-out.

    The caller sets `next_due_at`, which needs the schedule rules this layer doesn't own.
    """
    sub = find_subscription(user, ritual_key)
    if sub is None:
        # Appending to the loaded collection adds the row to the person's session.
        sub = Subscription(ritual_key=ritual_key, created_at=now)
        user.subscriptions.append(sub)
    sub.local_time = local_time
    sub.weekdays = weekdays
    sub.active = True
    return sub


def stop_subscription(sub: Subscription) -> None:
    """Turn a ritual off; its history stays. Turning it on again starts it unpaused."""
    sub.active = False
    sub.paused_until = None
    sub.next_due_at = None
