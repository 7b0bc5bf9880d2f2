"""Data access for prompts: claiming what is due, and recording what became of it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from store.models import Prompt, PromptState, Subscription, User


@dataclass(frozen=True, slots=True)
class ClaimedPrompt:
    """What the dispatcher needs to send one prompt, detached from the session."""

    prompt_id: int
    user_id: int
    chat_id: int
    locale: str
    ritual_key: str
    variant: int
    can_snooze: bool
    due_at: datetime | None = None  # what a weekly summary needs to know its week
    timezone: str | None = None


def claimed(prompt: Prompt, sub: Subscription, user: User) -> ClaimedPrompt:
    """The detached view of a prompt that was just claimed."""
    return ClaimedPrompt(
        prompt_id=prompt.id,
        user_id=user.id,
        chat_id=user.chat_id,
        locale=user.locale,
        ritual_key=sub.ritual_key,
        variant=prompt.variant,
        # A snoozed prompt comes back once; it isn't offered "Later" a second time.
        can_snooze=prompt.snoozes == 0,
        due_at=prompt.due_at,
        timezone=user.timezone,
    )


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


async def prompts_to_resend(
    session: AsyncSession, *, now: datetime, lease_expired: datetime, limit: int
) -> list[Prompt]:
    """Lock prompts whose snooze is over, or whose claim outlived its lease.

    A claim older than the lease belongs to a dispatcher that died between committing
    the claim and recording the send; any dispatcher may take it over. Two queries, so
    each is answered from its own index.
    """
    conditions = (
        Prompt.snoozed_until <= now,
        (Prompt.state == PromptState.CLAIMED) & (Prompt.claimed_at < lease_expired),
    )
    found: list[Prompt] = []
    for condition in conditions:
        query = (
            select(Prompt)
            .where(condition)
            .order_by(Prompt.id)
            .limit(limit - len(found))
            .options(joinedload(Prompt.subscription).joinedload(Subscription.user))
            .with_for_update(skip_locked=True, of=Prompt)
        )
        found.extend(await session.scalars(query))
        if len(found) >= limit:
            break
    return found


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
        snoozes=0,
    )
    session.add(prompt)
    return prompt


async def expire_superseded(session: AsyncSession, *, subscription_ids: Iterable[int]) -> None:
    """A new prompt of a ritual quietly retires the earlier unanswered ones."""
    ids = list(subscription_ids)
    if not ids:
        return
    await session.execute(
        update(Prompt)
        .where(
            Prompt.subscription_id.in_(ids),
            Prompt.state.in_([PromptState.SENT, PromptState.SNOOZED]),
        )
        .values(state=PromptState.EXPIRED, snoozed_until=None)
    )


async def expire_unanswered(session: AsyncSession, *, sent_before: datetime) -> None:
    """Prompts left unanswered for a day expire quietly (a late tap still counts)."""
    await session.execute(
        update(Prompt)
        .where(Prompt.state == PromptState.SENT, Prompt.sent_at < sent_before)
        .values(state=PromptState.EXPIRED)
    )


async def mark_sent(
    session: AsyncSession, *, sent: Iterable[tuple[int, int]], now: datetime
) -> None:
    """These prompts reached Telegram: (prompt id, message id) pairs, in one statement."""
    rows = [
        {"id": prompt_id, "state": PromptState.SENT, "message_id": message_id, "sent_at": now}
        for prompt_id, message_id in sent
    ]
    if rows:
        await session.execute(update(Prompt), rows)


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


def snooze(prompt: Prompt, *, until: datetime) -> None:
    """Bring the prompt back once, at `until`, as the same prompt."""
    prompt.state = PromptState.SNOOZED
    prompt.snoozed_until = until
    prompt.snoozes += 1


def skip(prompt: Prompt) -> None:
    """The person chose to skip this one: no penalty, no follow-up."""
    prompt.state = PromptState.SKIPPED
    prompt.snoozed_until = None
