"""What a simulated session (`attune try`) asks of the database: whether anyone else is in
it, when the dispatcher next has work, and the latest moment recorded, so its clock moves
through time without missing anything."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import CheckIn, Milestone, Note, Prompt, PromptState, Subscription, User


async def others_than(session: AsyncSession, *, telegram_id: int) -> int:
    """How many people other than `telegram_id` the database holds (0 before it has tables):
    a session must never play the clock forward over a real bot's people."""
    connection = await session.connection()
    if not await connection.run_sync(lambda sync: inspect(sync).has_table(User.__tablename__)):
        return 0
    others = await session.scalar(
        select(func.count()).select_from(User).where(User.telegram_id != telegram_id)
    )
    return int(others or 0)


async def next_wakeup(session: AsyncSession, *, after: datetime) -> datetime | None:
    """The first moment after `after` at which a dispatch tick has something to send: a
    subscription coming due, or a snoozed prompt coming back; None if nothing is waiting.

    A row the dispatcher then finds it may not prompt (paused, switched off) is moved on by
    that tick, so asking again afterwards always moves forward.
    """
    due = await session.scalar(
        select(func.min(Subscription.next_due_at)).where(Subscription.next_due_at > after)
    )
    back = await session.scalar(
        select(func.min(Prompt.snoozed_until)).where(
            Prompt.state == PromptState.SNOOZED, Prompt.snoozed_until > after
        )
    )
    found = [moment for moment in (due, back) if moment is not None]
    return min(found) if found else None


async def latest_moment(session: AsyncSession) -> datetime | None:
    """The latest time stamped on anything a person did or was sent; None for an empty
    database. A clock that resumes an earlier session starts from here, never before it."""
    columns = (
        User.created_at,
        Subscription.created_at,
        Prompt.claimed_at,
        CheckIn.updated_at,
        Note.created_at,
        Milestone.reached_at,
    )
    found = [await session.scalar(select(func.max(column))) for column in columns]
    moments = [moment for moment in found if moment is not None]
    return max(moments) if moments else None
