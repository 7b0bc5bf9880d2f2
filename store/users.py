"""Data access for people: finding, creating and forgetting them (scheduler.changes pauses
and blocks them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from store.models import User
from store.personal_data import erase


async def get_user(session: AsyncSession, *, telegram_id: int) -> User | None:
    """The person with this Telegram id, with their subscriptions, or None."""
    user: User | None = await session.scalar(
        select(User)
        .where(User.telegram_id == telegram_id)
        .options(selectinload(User.subscriptions))
    )
    return user


async def add_user(
    session: AsyncSession, *, telegram_id: int, chat_id: int, locale: str, now: datetime
) -> User:
    """A new person, with nothing but their ids: the first contact."""
    user = User(telegram_id=telegram_id, chat_id=chat_id, locale=locale, created_at=now)
    user.subscriptions = []
    session.add(user)
    await session.flush()
    return user


async def forget_user(session: AsyncSession, *, user: User) -> None:
    """Erase the person and everything that hangs off them."""
    await session.execute(delete(User).where(User.id == user.id))


async def forget_unconsented(session: AsyncSession, *, before: datetime) -> int:
    """Erase the rows of people who began /start before `before` and never agreed to
    anything being kept; returns how many. Nothing of theirs is worth keeping a day."""
    ids = list(
        await session.scalars(
            select(User.id).where(User.consented_at.is_(None), User.created_at < before)
        )
    )
    for user_id in ids:
        await erase(session, user_id=user_id)
    return len(ids)


async def count_care_offer(session: AsyncSession, *, user_id: int) -> int:
    """Count one more care offer to the person; return how many they had before this one.

    One UPDATE ... RETURNING, so two offers made at once still get different numbers.
    """
    count = await session.scalar(
        update(User)
        .where(User.id == user_id)
        .values(care_offers=User.care_offers + 1)
        .returning(User.care_offers)
        .execution_options(synchronize_session=False)
    )
    return int(count or 1) - 1
