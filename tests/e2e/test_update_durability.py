"""SIGKILL while updates are being handled: every update is handled after the restart.

An update is confirmed to Telegram only once it and every update before it were handled
(bot.intake), so a crash can only make the bot handle again what it handled but had not yet
confirmed: at most one getUpdates' worth (100 updates) after the oldest one still waiting.
PTB's own Updater confirms a batch as soon as it is queued, so the same kill would lose
whatever of it was still waiting.
"""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

import pytest

from emulator import BotApiEmulator
from messages import render
from store.db import create_engine, migrate
from tests.e2e.processes import process_env, run_until, start_attune, until

PEOPLE = 300
FIRST_ID = 300_000
BATCH = 100  # getUpdates returns at most 100 updates


def _welcomes(emulator: BotApiEmulator) -> Counter[int]:
    welcome = render("welcome", "en")
    return Counter(
        int(call.params["chat_id"])
        for call in emulator.calls_to("sendMessage")
        if call.ok and call.params.get("text") == welcome
    )


@pytest.mark.parametrize("handled_before_kill", [20, 150])
async def test_kill_while_handling_updates_loses_none(
    emulator: BotApiEmulator, tmp_path: Path, handled_before_kill: int
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}"
    engine = create_engine(database_url)
    await migrate(engine)
    await engine.dispose()
    env = process_env(emulator.root_url, database_url, ATTUNE_RATE_LIMIT="100")
    first = await start_attune(env, tmp_path)
    people = [emulator.user(user_id=FIRST_ID + n) for n in range(PEOPLE)]
    for person in people:
        await person.send("/start")
    await until(lambda: len(_welcomes(emulator)) >= handled_before_kill, seconds=30)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    before = len(_welcomes(emulator))

    await run_until(env, tmp_path, lambda: len(_welcomes(emulator)) == PEOPLE, seconds=60)

    welcomes = _welcomes(emulator)
    repeated = sum(n - 1 for n in welcomes.values())
    print(f"killed after {before} of {PEOPLE} handled; {repeated} handled twice")
    assert before < PEOPLE, "the kill landed while updates were waiting"
    assert len(welcomes) == PEOPLE, "no update was lost"
    assert repeated <= BATCH
