"""Data access for subscriptions: a person's chosen rituals (scheduler.changes turns them
on and off, and says when each is next due)."""

from __future__ import annotations

from store.models import Subscription, User


def find_subscription(user: User, ritual_key: str) -> Subscription | None:
    """The person's subscription to a ritual, active or not, from their loaded list."""
    return next((s for s in user.subscriptions if s.ritual_key == ritual_key), None)
