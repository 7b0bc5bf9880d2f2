"""Data access for people: finding, creating and forgetting them (scheduler.changes pauses
and blocks them).

A person whose key was destroyed counts as erased: /delete destroyed it and a crash came
before their rows went, or an older data backup was restored. Their rows are erased when
they next write (they are greeted as new) or by housekeeping, whichever first. A key
missing without having been destroyed erases nothing (store.person_keys.KeyringBehind).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from store.models import User
from store.person_keys import key_is_gone, keyring_of
from store.personal_data import erase

log = logging.getLogger(__name__)
# Built once: the statement every update runs first hits the compiled cache unrebuilt.
_PERSON = (
    select(User)
    .where(User.telegram_id == bindparam("telegram_id"))
    .options(joinedload(User.subscriptions))
)
# How many people housekeeping checks against the keyring per query.
_KEYS_PER_QUERY = 500


async def get_user(session: AsyncSession, *, telegram_id: int) -> User | None:
    """The person with this Telegram id, with their subscriptions, or None (also for
    someone whose key is gone: their rows are erased now).

    One statement (the subscriptions joined, a row each): every update starts here, and a
    second round trip for a person's few rituals cost more than repeating their row."""
    result = await session.scalars(_PERSON, {"telegram_id": telegram_id})
    user: User | None = result.unique().first()
    if user is not None and await key_is_gone(session, user=user):
        await erase(session, user_id=user.id)
        session.expunge(user)
        log.info("erased the rows of a person whose key was destroyed")
        return None
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
    """Erase the person and everything that hangs off them (their key first)."""
    await erase(session, user_id=user.id)


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


async def forget_keyless(session: AsyncSession) -> int:
    """Erase the rows of people whose key was destroyed; returns how many."""
    erased, after = 0, 0
    while True:
        rows = (
            await session.execute(
                select(User.id, User.key_id)
                .where(User.key_id.is_not(None), User.id > after)
                .order_by(User.id)
                .limit(_KEYS_PER_QUERY)
            )
        ).all()
        if not rows:
            return erased
        keyring = keyring_of(session)
        held = await keyring.present([key_id for _, key_id in rows])
        missing = {key_id for _, key_id in rows if key_id not in held}
        destroyed = await keyring.destroyed(missing)
        for user_id, key_id in rows:
            if key_id in destroyed:
                await erase(session, user_id=user_id)
                erased += 1
        if missing - destroyed:
            log.error("keyring: %d keys missing, never destroyed", len(missing - destroyed))
        after = rows[-1][0]


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
