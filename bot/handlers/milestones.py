"""Milestones as they happen: after a first rating or a note, find, store and celebrate.

Runs inside the caller's transaction, so a milestone is stored together with the check-in
or note that reached it. Storing is insert-or-ignore, and only what this call stored is
celebrated: each milestone is celebrated exactly once, even when two taps race.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.handlers.common import Reply
from progress.history import Entry
from progress.milestones import journal_milestones, milestone_message, new_milestones
from scheduler.zones import resolve_zone
from store.models import CheckIn, User
from store.progress import add_milestones, history, reached_milestones


async def after_check_in(
    session: AsyncSession, *, user: User, check_in: CheckIn, has_note: bool, now: datetime
) -> list[str]:
    """Store what a check-in (just rated, or just given a note) reached; return those keys."""
    latest = Entry(check_in.ritual_key, check_in.rating, check_in.practiced_at, has_note=has_note)
    everything = await history(session, user_id=user.id)
    reached = await reached_milestones(session, user_id=user.id)
    found = new_milestones(everything, latest, resolve_zone(user.timezone or "UTC"), reached)
    return await add_milestones(session, user_id=user.id, keys=found, now=now)


async def after_journal_note(session: AsyncSession, *, user: User, now: datetime) -> list[str]:
    """Store what a note written on its own reached (a first note); return those keys."""
    reached = await reached_milestones(session, user_id=user.id)
    return await add_milestones(
        session, user_id=user.id, keys=journal_milestones(reached), now=now
    )


def celebrations(keys: Sequence[str], locale: str) -> list[Reply]:
    """One warm message per milestone, most notable first."""
    return [Reply(milestone_message(key, locale)) for key in keys]
