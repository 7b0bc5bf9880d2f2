"""Data access for prompts: claiming due subscriptions and recording what was sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from store.models import Prompt, PromptState, Subscription


@dataclass(frozen=True, slots=True)
class ClaimedPrompt:
    """What the dispatcher needs to send one prompt, detached from the session."""

    prompt_id: int
    user_id: int
    chat_id: int
    locale: str
    ritual_key: str
    variant: int


async def due_subscriptions(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[Subscription]:
    """Lock up to `limit` due subscriptions, oldest first, with their people.

    On PostgreSQL `SKIP LOCKED` lets several dispatchers share the work: rows another
    transaction holds are passed over instead of waited for. SQLite ignores the clause
    and serialises writers itself.
    """
    query = (
        select(Subscription)
        .where(Subscription.next_due_at <= now)
        .order_by(Subscription.next_due_at)
        .limit(limit)
        .options(joinedload(Subscription.user))
        .with_for_update(skip_locked=True, of=Subscription)
    )
    return list(await session.scalars(query))


def add_prompt(
    session: AsyncSession, *, sub: Subscription, due_at: datetime, now: datetime, state: str
) -> Prompt:
    """A new prompt row for `sub` at `due_at` (unique per subscription and due time)."""
    prompt = Prompt(
        subscription_id=sub.id,
        due_at=due_at,
        claimed_at=now,
        variant=sub.prompts_claimed,
        state=state,
    )
    session.add(prompt)
    return prompt


async def mark_sent(
    session: AsyncSession, *, prompt_id: int, message_id: int, now: datetime
) -> None:
    """The prompt reached Telegram as `message_id`."""
    await session.execute(
        update(Prompt)
        .where(Prompt.id == prompt_id)
        .values(state=PromptState.SENT, message_id=message_id, sent_at=now)
    )


async def mark_failed(session: AsyncSession, *, prompt_id: int) -> None:
    """The prompt could not be delivered."""
    await session.execute(
        update(Prompt).where(Prompt.id == prompt_id).values(state=PromptState.FAILED)
    )


async def get_prompt(session: AsyncSession, *, prompt_id: int) -> Prompt | None:
    """A prompt with its subscription and person, for handling a tap on it."""
    prompt: Prompt | None = await session.scalar(
        select(Prompt)
        .where(Prompt.id == prompt_id)
        .options(joinedload(Prompt.subscription).joinedload(Subscription.user))
    )
    return prompt
