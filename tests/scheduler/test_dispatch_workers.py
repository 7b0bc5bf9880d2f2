"""Claiming overlaps with sending: what the workers guarantee while they share the work.

The crash test (tests/e2e/test_crash_restart.py) relies on the first: a kill can repeat
only sends that were not yet recorded, and there are never more than `concurrency`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import scheduler.sent_log
from scheduler.dispatch import Dispatcher
from scheduler.sender import OutgoingPrompt
from store.db import session_factory
from store.models import Prompt, PromptState
from tests.scheduler.people import NOW, RecordingSender, add_people, states

GRACE = timedelta(hours=1)


class WatchingSender(RecordingSender):
    """Before each send, counts the sends Telegram took that are not recorded yet."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__()
        self._sessions = sessions
        self.most_unrecorded = 0

    async def send_prompt(self, prompt: OutgoingPrompt) -> int:
        taken = [p.prompt_id for p in self.sent]
        async with self._sessions() as session:
            unrecorded = await session.scalar(
                select(func.count()).where(
                    Prompt.id.in_(taken), Prompt.state == PromptState.CLAIMED
                )
            )
        assert unrecorded is not None
        self.most_unrecorded = max(self.most_unrecorded, unrecorded + 1)  # and this one
        return await super().send_prompt(prompt)


async def test_never_more_unrecorded_sends_than_concurrency(engine: AsyncEngine) -> None:
    await add_people(engine, 120)
    sessions = session_factory(engine)
    sender = WatchingSender(sessions)
    dispatcher = Dispatcher(sessions, sender, grace=GRACE, batch_size=25, concurrency=4)
    assert (await dispatcher.tick(NOW)).sent == 120
    assert 1 < sender.most_unrecorded <= 4  # the sends did overlap, within the bound


class OneChatAtATime(RecordingSender):
    """Fails the test if two prompts to one chat are ever in flight together."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight: set[int] = set()

    async def send_prompt(self, prompt: OutgoingPrompt) -> int:
        assert prompt.chat_id not in self.in_flight
        self.in_flight.add(prompt.chat_id)
        for _ in range(3):  # let every other worker run meanwhile
            await asyncio.sleep(0)
        self.in_flight.discard(prompt.chat_id)
        return await super().send_prompt(prompt)


async def test_one_persons_prompts_go_one_after_the_other(engine: AsyncEngine) -> None:
    await add_people(engine, 12, rituals_each=5)  # five rituals each, all due at 22:00
    sender = OneChatAtATime()
    dispatcher = Dispatcher(session_factory(engine), sender, grace=GRACE, concurrency=8)
    report = await dispatcher.tick(NOW)
    assert report.sent == 60 and set(Counter(p.chat_id for p in sender.sent).values()) == {5}
    for chat in {p.chat_id for p in sender.sent}:
        ids = [p.prompt_id for p in sender.sent if p.chat_id == chat]
        assert ids == sorted(ids)  # in the order they were claimed


async def test_a_database_failure_stops_the_tick_and_leases_cover_the_rest(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_people(engine, 60)
    real_mark_sent = scheduler.sent_log.mark_sent
    writes = 0

    async def failing_third_write(*args: object, **kwargs: object) -> None:
        nonlocal writes
        writes += 1
        if writes == 3:
            raise ConnectionResetError("the database went away")
        await real_mark_sent(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scheduler.sent_log, "mark_sent", failing_third_write)
    sender = RecordingSender()
    dispatcher = Dispatcher(session_factory(engine), sender, grace=GRACE, batch_size=20)
    with pytest.raises(ConnectionResetError):
        await asyncio.wait_for(dispatcher.tick(NOW), timeout=10)  # stops, never hangs
    sent_before = len(sender.sent)
    monkeypatch.setattr(scheduler.sent_log, "mark_sent", real_mark_sent)
    async with session_factory(engine)() as session:
        held = set(
            await session.scalars(select(Prompt.id).where(Prompt.state == PromptState.CLAIMED))
        )

    # Within the lease no claimed prompt is sent again (only ones never claimed go out);
    # after it, everything left is.
    await dispatcher.tick(NOW + timedelta(minutes=1))
    assert not {p.prompt_id for p in sender.sent[sent_before:]} & held
    await dispatcher.tick(NOW + timedelta(minutes=3))
    per_chat = Counter(p.chat_id for p in sender.sent)
    assert len(per_chat) == 60 and await states(engine) == {PromptState.SENT: 60}
    # Only the sends whose write failed (in flight at that moment) went out twice.
    assert sum(n - 1 for n in per_chat.values()) <= 32


class StoppingSender(RecordingSender):
    """Asks its dispatcher to stop once `after` prompts went out (as SIGTERM would)."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.after = after
        self.dispatcher: Dispatcher | None = None

    async def send_prompt(self, prompt: OutgoingPrompt) -> int:
        await asyncio.sleep(0.005)  # sends take time, so work is still queued at the stop
        if len(self.sent) == self.after and self.dispatcher is not None:
            self.dispatcher.stop()
        return await super().send_prompt(prompt)


async def test_a_stopped_tick_finishes_its_sends_and_hands_back_the_rest(
    engine: AsyncEngine,
) -> None:
    await add_people(engine, 300)
    sessions = session_factory(engine)
    sender = StoppingSender(after=20)
    dispatcher = Dispatcher(sessions, sender, grace=GRACE, batch_size=100, concurrency=4)
    sender.dispatcher = dispatcher
    report = await dispatcher.tick(NOW)
    # The sends in flight at the stop finish: at most the concurrency more.
    assert 20 < report.sent <= 20 + 4 and report.sent == len(sender.sent)
    assert report.released > 0
    counts = await states(engine)
    assert counts[PromptState.SENT] == report.sent  # every send was recorded
    # What was claimed and not sent is handed back: the next tick of any dispatcher sends
    # it at once (the lease is two minutes: this tick runs a second later).
    later = Dispatcher(sessions, RecordingSender(), grace=GRACE)
    again = await later.tick(NOW + timedelta(seconds=1))
    assert report.sent + again.sent == 300
    assert (await states(engine))[PromptState.SENT] == 300


async def test_a_tap_before_the_send_is_recorded_stands(engine: AsyncEngine) -> None:
    """A quick person rates (or snoozes) a prompt before its send is written down."""
    await add_people(engine, 2)
    sessions = session_factory(engine)
    answered_early: list[int] = []

    class QuickPerson(RecordingSender):
        async def send_prompt(self, prompt: OutgoingPrompt) -> int:
            message_id = await super().send_prompt(prompt)
            if not answered_early:
                answered_early.append(prompt.prompt_id)
                async with sessions() as session, session.begin():
                    row = await session.get(Prompt, prompt.prompt_id)
                    assert row is not None and row.state == PromptState.CLAIMED
                    row.state = PromptState.ANSWERED
            return message_id

    await Dispatcher(sessions, QuickPerson(), grace=GRACE).tick(NOW)
    async with sessions() as session:
        rows = {p.id: p for p in await session.scalars(select(Prompt))}
    early = rows.pop(answered_early[0])
    assert (early.state, early.message_id is not None) == (PromptState.ANSWERED, True)
    assert [p.state for p in rows.values()] == [PromptState.SENT]
