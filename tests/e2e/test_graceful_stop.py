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
from pathlib import Path

from store.models import Prompt, PromptState
from tests.e2e.db import all_rows
from tests.e2e.processes import (
    evening_rush,
    prompts_per_chat,
    run_until,
    start_attune,
    until,
)

PEOPLE = 300
FIRST_ID = 200_000


async def test_sigterm_mid_dispatch_stops_in_time_and_nothing_is_lost_or_doubled(
    tmp_path: Path,
) -> None:
    async with evening_rush(
        tmp_path,
        people=PEOPLE,
        first_id=FIRST_ID,
        ATTUNE_RATE_LIMIT="50",  # about 6 s for everyone: a rush to stop in the middle of
    ) as rush:
        emulator, env, database_url = rush.emulator, rush.env, rush.database_url
        first = await start_attune(env, tmp_path)
        await until(lambda: len(prompts_per_chat(emulator)) >= 60, seconds=30)
        first.send_signal(signal.SIGTERM)
        asked = time.monotonic()
        _, stderr = await asyncio.wait_for(first.communicate(), timeout=15)
        took = time.monotonic() - asked
        delivered_before_stop = len(prompts_per_chat(emulator))
        assert first.returncode == 0, stderr.decode()
        assert "attune stopped" in stderr.decode()

        await run_until(
            env, tmp_path, lambda: len(prompts_per_chat(emulator)) == PEOPLE, seconds=30
        )

    print(f"stopped in {took:.2f} s after {delivered_before_stop} of {PEOPLE}")
    assert took < 10
    assert 0 < delivered_before_stop < PEOPLE, "the stop landed mid-dispatch"
    per_chat = prompts_per_chat(emulator)
    assert len(per_chat) == PEOPLE and set(per_chat.values()) == {1}
    rows = await all_rows(database_url, Prompt)
    assert len(rows) == PEOPLE and {r.state for r in rows} == {PromptState.SENT}
