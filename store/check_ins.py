"""Data access for check-ins: the ratings people give."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import CheckIn, Prompt, PromptState
from store.pacing import touched


async def rate_prompt(
    session: AsyncSession, *, prompt: Prompt, user_id: int, rating: int, now: datetime
) -> tuple[CheckIn, bool]:
    """Store the rating for a prompt; a second tap changes it. Returns (check-in, is_new)."""
    check_in = await session.scalar(select(CheckIn).where(CheckIn.prompt_id == prompt.id))
    prompt.state = PromptState.ANSWERED
    prompt.snoozed_until = None  # a snoozed prompt rated meanwhile does not come back
    touched(prompt.subscription)  # even a late answer: the practice found its moment
    if check_in is not None:
        check_in.rating = rating
        check_in.updated_at = now
        await session.flush()
        return check_in, False
    check_in = CheckIn(
        user_id=user_id,
        prompt_id=prompt.id,
        ritual_key=prompt.subscription.ritual_key,
        rating=rating,
        practiced_at=prompt.due_at,
        created_at=now,
        updated_at=now,
    )
    session.add(check_in)
    await session.flush()
    return check_in, True


async def get_check_in(session: AsyncSession, *, check_in_id: int) -> CheckIn | None:
    """One check-in by id."""
    return await session.get(CheckIn, check_in_id)


async def previous_rating(session: AsyncSession, *, user_id: int, before_id: int) -> int | None:
    """The person's rating given just before check-in `before_id`, if any."""
    rating: int | None = await session.scalar(
        select(CheckIn.rating)
        .where(CheckIn.user_id == user_id, CheckIn.id != before_id)
        .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
        .limit(1)
    )
    return rating
