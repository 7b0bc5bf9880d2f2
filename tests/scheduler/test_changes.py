"""scheduler.changes: each change that stops prompts settles what was snoozed or open."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from progress.calendar import UNTIL_RESUMED
from scheduler import changes
from scheduler.dispatch import Dispatcher
from store.db import session_factory
from store.models import Prompt, PromptState, Subscription, User
from store.personal_data import erase
from store.users import get_user
from tests.scheduler.people import FIRST_CHAT, NOW, RecordingSender, add_people

GRACE = timedelta(hours=1)
Change = Callable[[AsyncSession, User], Awaitable[Any]]

STOPS: dict[str, Change] = {
    "ritual off": lambda s, u: changes.turn_off(s, user=u, ritual_key="body_scan", now=NOW),
    "ritual paused": lambda s, u: changes.pause_ritual(
        s, user=u, ritual_key="body_scan", until=NOW + timedelta(hours=1), now=NOW
    ),
    "paused": lambda s, u: changes.pause(s, user=u, until=UNTIL_RESUMED, now=NOW),
    "crisis pause": lambda s, u: changes.crisis_pause(s, user=u, now=NOW),
    "consent declined": lambda s, u: changes.consent_declined(s, user=u, now=NOW),
    "blocked": lambda s, u: changes.blocked(s, user_id=u.id, now=NOW),
    "/delete": lambda s, u: erase(s, user_id=u.id),
}


async def _snoozed_and_open(engine: AsyncEngine) -> None:
    """The first person's body scan: one prompt snoozed till NOW + 20 min, one still open."""
    async with session_factory(engine)() as session, session.begin():
        sub = await session.scalar(select(Subscription))
        assert sub is not None and sub.ritual_key == "body_scan"
        for days, state in ((2, PromptState.SNOOZED), (1, PromptState.SENT)):
            due = NOW - timedelta(days=days)
            snoozed = state == PromptState.SNOOZED
            session.add(
                Prompt(
                    subscription_id=sub.id, due_at=due, claimed_at=due, sent_at=due,
                    state=state, variant=0, snoozes=int(snoozed),
                    snoozed_until=NOW + timedelta(minutes=20) if snoozed else None,
                )
            )  # fmt: skip


@pytest.mark.parametrize("stop", list(STOPS))
async def test_a_stop_closes_what_was_snoozed_or_open(engine: AsyncEngine, stop: str) -> None:
    await add_people(engine, 1, due=NOW + timedelta(days=1))
    await _snoozed_and_open(engine)
    async with session_factory(engine)() as session, session.begin():
        user = await get_user(session, telegram_id=FIRST_CHAT)
        assert user is not None
        await STOPS[stop](session, user)
    async with session_factory(engine)() as session:
        left = set(await session.scalars(select(Prompt.state)))
    assert left <= {PromptState.EXPIRED}
    sender = RecordingSender()
    await Dispatcher(session_factory(engine), sender, grace=GRACE).tick(NOW + timedelta(hours=1))
    assert sender.sent == []


async def test_a_new_time_keeps_what_was_snoozed(engine: AsyncEngine) -> None:
    # Changing when a ritual comes is no reason to drop a prompt put off till tonight.
    await add_people(engine, 1, due=NOW + timedelta(days=1))
    await _snoozed_and_open(engine)
    async with session_factory(engine)() as session, session.begin():
        user = await get_user(session, telegram_id=FIRST_CHAT)
        assert user is not None
        await changes.turn_on(
            session, user=user, ritual_key="body_scan", now=NOW, local_time="07:00"
        )
        await changes.set_timezone(session, user=user, zone="Asia/Tokyo", now=NOW)
        assert user.subscriptions[0].next_due_at == NOW + timedelta(hours=1)  # 07:00 Tokyo
    sender = RecordingSender()
    await Dispatcher(session_factory(engine), sender, grace=GRACE).tick(
        NOW + timedelta(minutes=20)
    )
    assert [p.can_snooze for p in sender.sent] == [False]
