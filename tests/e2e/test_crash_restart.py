"""SIGKILL at a random moment while 500 prompts go out; restart; count what arrived.

Claims are committed before sending and each send is recorded as soon as Telegram
answers, so a kill can repeat only the sends in flight at that instant: at most the
dispatcher's concurrency (32). Prompts claimed but not sent are taken over by the next
process once the claim's lease (1 s here, 2 minutes by default) has run out.
"""

from __future__ import annotations

import asyncio
import random
import signal
from pathlib import Path

import pytest

from store.models import Prompt, PromptState, Subscription
from tests.e2e.db import all_rows
from tests.e2e.processes import (
    evening_rush,
    prompts_per_chat,
    run_until,
    start_attune,
    until,
)

PEOPLE = 500
FIRST_ID = 100_000
IN_FLIGHT_BOUND = 32  # Dispatcher(concurrency=32)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_kill_mid_dispatch_loses_nothing_and_repeats_at_most_in_flight(
    tmp_path: Path, seed: int
) -> None:
    async with evening_rush(
        tmp_path,
        people=PEOPLE,
        first_id=FIRST_ID,
        ATTUNE_RATE_LIMIT="100",  # a burst of 100, then ~4 s: a wide window to kill in
        ATTUNE_CLAIM_LEASE_SECONDS="1",
    ) as rush:
        emulator, env, database_url, due = rush.emulator, rush.env, rush.database_url, rush.due
        first = await start_attune(env, tmp_path)
        await until(lambda: len(prompts_per_chat(emulator)) > 0, seconds=30)
        await asyncio.sleep(random.Random(seed).uniform(0.0, 3.0))
        first.send_signal(signal.SIGKILL)
        await first.wait()
        delivered_before_kill = len(prompts_per_chat(emulator))

        await run_until(
            env, tmp_path, lambda: len(prompts_per_chat(emulator)) == PEOPLE, seconds=60
        )

    per_chat = prompts_per_chat(emulator)
    repeated = sum(n - 1 for n in per_chat.values())
    assert len(per_chat) == PEOPLE, "every prompt within grace was delivered"
    assert repeated <= IN_FLIGHT_BOUND, f"{repeated} repeated after the kill"
    # The kill landed mid-dispatch, or the test proved nothing.
    assert 0 < delivered_before_kill < PEOPLE
    print(f"killed after {delivered_before_kill} of {PEOPLE}; {repeated} repeated")

    rows = await all_rows(database_url, Prompt)
    assert len(rows) == PEOPLE and {r.state for r in rows} == {PromptState.SENT}
    subs = await all_rows(database_url, Subscription)
    assert all(s.next_due_at is not None and s.next_due_at > due for s in subs)
