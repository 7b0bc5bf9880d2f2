"""Aggregate counts for operators: how many, never who.

Every figure here is a count over many rows; no query returns an id, a name, a rating,
a note or a time that belongs to one person. Ritual keys are catalogue names, so counts
per ritual are fine. Each figure is one aggregate SELECT (over an index where there is
one), so an overview stays cheap on a million rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import ColumnElement, Connection, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.db import MIGRATIONS
from store.models import CheckIn, Note, Prompt, PromptState, Subscription, User

WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Stats:
    """A snapshot of the whole service at `at`; "recent" means the 7 days before it."""

    at: datetime
    people: int
    onboarded: int  # agreed to the consent text and chose a timezone
    active_7d: int  # checked in at least once in the last 7 days
    paused: int  # a pause of everything is in force now
    blocked: int  # Telegram said they blocked the bot (until they /start again)
    practices: dict[str, int] = field(default_factory=dict)  # switched on, per ritual key
    prompts_7d: dict[str, int] = field(default_factory=dict)  # due in 7 days, per state
    check_ins_7d: int = 0
    notes: int = 0
    schema: str | None = None  # the revision the database is at (None: not migrated)
    schema_head: str = ""  # the revision this code migrates to


async def active_people(session: AsyncSession, *, since: datetime) -> int:
    """How many distinct people have a check-in practised at or after `since`."""
    count = await session.scalar(
        select(func.count(func.distinct(CheckIn.user_id))).where(CheckIn.practiced_at >= since)
    )
    return int(count or 0)


async def overview(session: AsyncSession, *, now: datetime) -> Stats:
    """Every figure `attune stats` shows, as of `now`."""
    since = now - WEEK
    people = (
        await session.execute(
            select(
                func.count(),
                _count_where(User.consented_at.is_not(None) & User.timezone.is_not(None)),
                _count_where(User.paused_until > now),
                _count_where(User.blocked_at.is_not(None)),
            )
        )
    ).one()
    practices = await session.execute(
        select(Subscription.ritual_key, func.count())
        .where(Subscription.active.is_(True))
        .group_by(Subscription.ritual_key)
    )
    # Naming every state lets the (state, due_at) index serve the range: 10 ms instead of a
    # scan of every prompt ever sent (180 ms on a million, on PostgreSQL).
    prompts = await session.execute(
        select(Prompt.state, func.count())
        .where(Prompt.state.in_([state.value for state in PromptState]), Prompt.due_at >= since)
        .group_by(Prompt.state)
    )
    # Every known state is listed, even at zero, so a missing line never needs explaining.
    by_state = {state.value: 0 for state in PromptState}
    by_state.update({str(state): int(n) for state, n in prompts.tuples()})
    check_ins = await session.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.practiced_at >= since)
    )
    notes = await session.scalar(select(func.count()).select_from(Note))
    return Stats(
        at=now,
        people=int(people[0]),
        onboarded=int(people[1]),
        active_7d=await active_people(session, since=since),
        paused=int(people[2]),
        blocked=int(people[3]),
        practices={str(key): int(n) for key, n in sorted(practices.tuples())},
        prompts_7d=by_state,
        check_ins_7d=int(check_ins or 0),
        notes=int(notes or 0),
        schema=await schema_revision(session),
        schema_head=head_revision(),
    )


async def schema_revision(session: AsyncSession) -> str | None:
    """The Alembic revision the database is at; None if it was never migrated."""
    connection = await session.connection()
    return await connection.run_sync(_current_revision)


def head_revision() -> str:
    """The revision `attune migrate` brings the database to."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None, "the migrations folder has no head revision"
    return head


def known_revisions() -> set[str]:
    """Every revision this version's migrations know (one it doesn't came from a newer one)."""
    return {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count(case((condition, 1)))
