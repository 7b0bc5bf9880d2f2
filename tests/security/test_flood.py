"""One person's flood holds up no one else, and is dropped kindly as it arrives.

A member sends 50 messages in 5 seconds (/journal and a note, in turn) while another person
asks for /help now and then, in long polling and in webhook mode. Replies leave at
Telegram's pace, one a second per chat, so answering the whole flood would take most of a
minute: the other person's answers must not wait behind it. The flood is counted as it
reaches Telegram, so the flooder gets one kind word about slowing down and nothing beyond
their fair share is kept; words of danger sent after the flood are still answered. Telegram
keeps the flood's updates until they are handled, so a crash while they wait loses none.

SQLite only: what is tested here is how updates are taken, not the database. How long the
other person waits is measured by benchmarks/bench_flood.py, not asserted here.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.intake import QUEUE_LIMIT
from emulator import BotApiEmulator, SimulatedUser
from messages import render
from store.db import create_engine, migrate
from store.models import Note
from tests.e2e.db import count
from tests.e2e.flows import onboard, settled
from tests.e2e.harness import FakeClock, free_port, make_settings, serving
from tests.e2e.processes import process_env, run_until, start_attune, until

FLOOD = 50  # messages from one person,
GAP = 0.1  # one every 0.1 s: 50 in 5 s
ASKS = (1.5, 3.0, 4.5)  # seconds into the flood when the other person sends /help
FAIR_SHARE = 30  # bot.flood's limit: at most 30 updates in any 10 s
DANGER = "I want to die"
SECRET = "s3cret-for-the-flood-test_0123456789abcdef"


class RunningClock(FakeClock):
    """The application's clock, running at the wall clock's pace from a fixed date: the flood
    window is ten real seconds here, as it is for a person."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self._started = time.monotonic()

    def __call__(self) -> datetime:
        return self.now + timedelta(seconds=time.monotonic() - self._started)


@asynccontextmanager
async def _serving(mode: str, emulator: BotApiEmulator, database_url: str) -> AsyncIterator[None]:
    """The bot in `mode`, its replies paced as Telegram paces them: one a second per chat."""
    extra: dict[str, object] = {"ATTUNE_CHAT_RATE_LIMIT": 1}
    if mode == "webhook":
        port = free_port()
        extra |= {
            "ATTUNE_MODE": "webhook",
            "ATTUNE_HTTP_PORT": port,
            "ATTUNE_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/updates",
            "ATTUNE_WEBHOOK_SECRET": SECRET,
        }
    settings = make_settings(emulator.root_url, database_url, **extra)
    clock = RunningClock(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    async with serving(settings, clock):
        yield


@dataclass
class Asked:
    """One /help of the other person, on the emulator's clock, and how many of the flood's
    updates Telegram still held (unconfirmed) when it was answered."""

    at: float
    answered: float
    flood_held: int


async def _ask_for_help(
    emulator: BotApiEmulator, person: SimulatedUser, flooder: int, started: float
) -> list[Asked]:
    """/help at each of ASKS, answered within a generous bound."""
    help_text = render("help", "en")
    asks = []
    for at in ASKS:
        await asyncio.sleep(max(0.0, started + at - time.monotonic()))
        asked = emulator.state.clock()
        await person.send("/help")
        await person.wait_for_message(lambda m: m.text == help_text, timeout=10)
        held = sum(1 for u in emulator.pending_updates if _chat_of(u) == flooder)
        [answered] = [
            call.at
            for call in emulator.calls_to("sendMessage")
            if call.params["chat_id"] == person.chat_id and call.at >= asked
        ]
        asks.append(Asked(asked, answered, held))
    return asks


def _chat_of(update: dict[str, Any]) -> int | None:
    message = update.get("message")
    return message["chat"]["id"] if message else None


@pytest.mark.timeout(120)  # the flood's answers alone take half a minute in webhook mode
@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_flood_holds_up_no_one_and_is_dropped_kindly(
    mode: str, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}"
    slow_down = render("flood_slow_down", "en")
    async with _serving(mode, emulator, database_url):
        flo = emulator.user(user_id=7001, first_name="Flo")
        await onboard(flo, discreet=True)
        sam = emulator.user(user_id=7002, first_name="Sam")
        mark = flo.mark()
        started = time.monotonic()
        asking = asyncio.create_task(_ask_for_help(emulator, sam, flo.chat_id, started))
        for n in range(FLOOD):
            await asyncio.sleep(max(0.0, started + n * GAP - time.monotonic()))
            await flo.send("/journal" if n % 2 == 0 else f"A quiet evening, note {n}")
        asks = await asking

        await flo.wait_for_message(lambda m: m.text == slow_down, timeout=60, after=mark)
        await flo.send(DANGER)
        await flo.wait_for_message(lambda m: "automated companion" in m.text, timeout=60)
        await settled(flo)
        replies = [m.text for m in flo.messages[mark:]]
        notes = await count(database_url, Note)

    # The other person's answers went out before all but a second's worth of the flood's,
    # while Telegram still held the flood's updates not yet handled (a crash loses none).
    flood_replies = [
        call.at for call in emulator.calls_to("sendMessage") if call.params["chat_id"] == 7001
    ]
    for ask in asks:
        ahead = sum(1 for at in flood_replies if ask.at < at < ask.answered)
        assert ahead <= 2, f"/help waited {ask.answered - ask.at:.1f} s, behind {ahead} replies"
        assert ask.flood_held > 0
    # One kind word for the whole burst; no more than the fair share answered or kept.
    assert replies.count(slow_down) == 1
    assert 0 < replies.count(render("journal_ask", "en")) <= FAIR_SHARE // 2
    assert 0 < notes <= FAIR_SHARE // 2


async def test_a_crash_while_a_flood_waits_loses_none_of_it(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}"
    engine = create_engine(database_url)
    await migrate(engine)
    await engine.dispose()
    env = process_env(emulator.root_url, database_url, ATTUNE_CHAT_RATE_LIMIT="1")
    help_text = render("help", "en")

    def helps(chat_id: int) -> int:
        return sum(
            1
            for call in emulator.calls_to("sendMessage")
            if call.ok and call.params["chat_id"] == chat_id and call.params["text"] == help_text
        )

    first = await start_attune(env, tmp_path)
    flo, sam = emulator.user(user_id=7101), emulator.user(user_id=7102)
    for _ in range(QUEUE_LIMIT):  # all taken (none dropped), answered one a second
        await flo.send("/help")
    await until(lambda: helps(flo.chat_id) >= 3, seconds=30)
    await sam.send("/help")
    await until(lambda: helps(sam.chat_id) == 1, seconds=5)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    before = helps(flo.chat_id)

    await run_until(env, tmp_path, lambda: helps(flo.chat_id) >= QUEUE_LIMIT, seconds=30)

    assert before < QUEUE_LIMIT, "the kill landed while the flood waited"
    # Each /help was answered; Sam's, handled but not yet confirmed, was answered again.
    assert QUEUE_LIMIT <= helps(flo.chat_id) <= QUEUE_LIMIT + 1
    assert 1 <= helps(sam.chat_id) <= 2
    assert emulator.pending_updates == []  # all confirmed at the stop
