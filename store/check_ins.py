"""Data access for check-ins: the ratings people give."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import CheckIn, Prompt, PromptState
from store.pacing import touched


class Previous(NamedTuple):
    """What a check-in needs of the one made before it."""

    rating: int
    created_at: datetime


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


async def previous(session: AsyncSession, *, check_in: CheckIn) -> Previous | None:
    """The person's check-in made just before ``check_in``, if any: one step back in the
    (user, created_at) index, however long the person's history."""
    row = (
        await session.execute(
            select(CheckIn.rating, CheckIn.created_at)
            .where(
                CheckIn.user_id == check_in.user_id,
                or_(
                    CheckIn.created_at < check_in.created_at,
                    and_(CheckIn.created_at == check_in.created_at, CheckIn.id < check_in.id),
                ),
            )
            .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else Previous(int(row.rating), row.created_at)


async def name_win(session: AsyncSession, *, check_in: CheckIn, kind: str) -> bool:
    """Store the kind of step named with a check-in; False if one was named already.

    One UPDATE ... WHERE win IS NULL, so of two taps at once only one names it.
    """
    named = await session.scalar(
        update(CheckIn)
        .where(CheckIn.id == check_in.id, CheckIn.win.is_(None))
        .values(win=kind)
        .returning(CheckIn.id)
        .execution_options(synchronize_session=False)
    )
    return named is not None
