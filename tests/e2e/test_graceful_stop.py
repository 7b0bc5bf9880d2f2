"""SIGTERM in the middle of an evening rush: a clean stop within 10 s, nothing lost or
sent twice.

The stopping process claims nothing more, finishes and records the sends in flight and
hands back what it claimed but did not send. The lease is left at its default (two
minutes) on purpose: the next process sends the handed-back prompts at once, which it
could not if they had merely been left to their lease.
"""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from emulator import BotApiEmulator
from store.models import Prompt, PromptState
from tests.e2e.db import all_rows
from tests.e2e.harness import TOKEN
from tests.e2e.processes import process_env, prompts_per_chat, seed_due_people, start_attune, until

PEOPLE = 300
FIRST_ID = 200_000


async def test_sigterm_mid_dispatch_stops_in_time_and_nothing_is_lost_or_doubled(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}"
    now = datetime.now(UTC)
    await seed_due_people(
        database_url, count=PEOPLE, due=now - timedelta(minutes=1), first_id=FIRST_ID
    )
    async with BotApiEmulator(token=TOKEN) as emulator:
        for n in range(PEOPLE):
            emulator.user(user_id=FIRST_ID + n, first_name="Sam")
        env = process_env(
            emulator.root_url,
            database_url,
            ATTUNE_TICK_SECONDS="0.2",
            ATTUNE_RATE_LIMIT="50",  # about 6 s for everyone: a rush to stop in the middle of
        )
        first = await start_attune(env, tmp_path)
        await until(lambda: len(prompts_per_chat(emulator)) >= 60, seconds=30)
        first.send_signal(signal.SIGTERM)
        asked = time.monotonic()
        _, stderr = await asyncio.wait_for(first.communicate(), timeout=15)
        took = time.monotonic() - asked
        delivered_before_stop = len(prompts_per_chat(emulator))
        assert first.returncode == 0, stderr.decode()
        assert "attune stopped" in stderr.decode()

        second = await start_attune(env, tmp_path)
        try:
            await until(lambda: len(prompts_per_chat(emulator)) == PEOPLE, seconds=30)
            await asyncio.sleep(0.5)  # anything still to come would be a duplicate
        finally:
            second.send_signal(signal.SIGTERM)
            await asyncio.wait_for(second.communicate(), timeout=15)

    print(f"stopped in {took:.2f} s after {delivered_before_stop} of {PEOPLE}")
    assert took < 10
    assert 0 < delivered_before_stop < PEOPLE, "the stop landed mid-dispatch"
    per_chat = prompts_per_chat(emulator)
    assert len(per_chat) == PEOPLE and set(per_chat.values()) == {1}
    rows = await all_rows(database_url, Prompt)
    assert len(rows) == PEOPLE and {r.state for r in rows} == {PromptState.SENT}
