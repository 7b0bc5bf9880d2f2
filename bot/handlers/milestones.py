"""Milestones as they happen: after a first rating, a note or a named step, find, store
and celebrate.

Runs inside the caller's transaction, so a milestone is stored together with the check-in
or note that reached it. Storing is insert-or-ignore, and only what this call stored is
celebrated: each milestone is celebrated exactly once, even when two taps race.

A hard night (a rating that brings the care offer, or a note on it) celebrates nothing:
what it reaches is stored held back, and celebrated with the person's next rating that
isn't low, after what that rating reaches itself. Kinds since retired that were held back
then are released without a word.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.handlers.common import Reply, reply
from progress.care import needs_care
from progress.history import Entry
from progress.milestones import (
    COUNT_ENOUGH,
    growth_since,
    is_celebrated,
    journal_milestones,
    keys_in_question,
    milestone_message,
    new_milestones,
    welcome_back,
    win_milestone,
)
from scheduler.zones import resolve_zone
from store.check_ins import before
from store.models import CheckIn, User
from store.progress import (
    add_milestones,
    practiced_before,
    reached_among,
    release_held,
)


async def hard_night(session: AsyncSession, *, check_in: CheckIn) -> bool:
    """True if the check-in's rating brings the care offer (never a celebration)."""
    last = (await before(session, check_in=check_in, count_up_to=COUNT_ENOUGH)).previous
    return needs_care(check_in.rating, None if last is None else last.rating)


async def after_check_in(
    session: AsyncSession,
    *,
    user: User,
    check_in: CheckIn,
    has_note: bool,
    now: datetime,
    hold: bool = False,
) -> list[str]:
    """Store what a check-in (just rated, or just given a note) reached; return the keys
    to celebrate now: none if ``hold``, as the milestones wait for a better moment."""
    latest = Entry(check_in.ritual_key, check_in.rating, check_in.practiced_at, has_note=has_note)
    zone = resolve_zone(user.timezone or "UTC")
    # Bounded reads, however long the history: the check-in before and a count that stops
    # past the last total (read once, with the care check's), a few weeks of check-ins, and
    # the few milestones that could change the answer.
    last, total = await before(session, check_in=check_in, count_up_to=COUNT_ENOUGH)
    # Coming back is about when the person showed up, so it reads when check-ins were made.
    welcome = welcome_back(check_in.created_at, last.created_at if last else None, zone)
    earlier = await practiced_before(session, check_in=check_in, since=growth_since(latest, zone))
    asked = keys_in_question(latest, zone, total)
    reached = await reached_among(session, user_id=user.id, keys=asked)
    found = welcome + new_milestones(latest, zone, earlier=earlier, total=total, reached=reached)
    added = await add_milestones(session, user_id=user.id, keys=found, now=now, held=hold)
    return [] if hold else added


async def after_win(
    session: AsyncSession, *, user: User, kind: str, now: datetime, hold: bool = False
) -> list[str]:
    """Store the milestone of a kind of step named for the first time; return it to
    celebrate now (none if it was named before, or if ``hold``).

    The unique (user, key) row is the whole memory of "named before": nothing is read.
    """
    keys = [win_milestone(kind)]
    added = await add_milestones(session, user_id=user.id, keys=keys, now=now, held=hold)
    return [] if hold else added


async def held_back(session: AsyncSession, *, user: User) -> list[str]:
    """The milestones held back on hard nights, oldest first, to celebrate now (once)."""
    return await release_held(session, user_id=user.id)


async def after_journal_note(
    session: AsyncSession, *, user: User, now: datetime, hold: bool = False
) -> list[str]:
    """Store what a note written on its own reached (a first note); return those to
    celebrate now: none if ``hold``."""
    reached = await reached_among(session, user_id=user.id, keys=["first_note"])
    added = await add_milestones(
        session, user_id=user.id, keys=journal_milestones(reached), now=now, held=hold
    )
    return [] if hold else added


def celebrations(keys: Sequence[str], locale: str, *, held: Sequence[str] = ()) -> list[Reply]:
    """One warm message per milestone, most notable first; then those held back before."""
    now = [Reply(milestone_message(key, locale)) for key in keys]
    return now + [
        reply("milestone_held", locale, message=milestone_message(key, locale))
        for key in held
        if is_celebrated(key)
    ]
