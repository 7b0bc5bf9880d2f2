"""Three dispatcher processes on one PostgreSQL database share 2,000 due prompts.

`FOR UPDATE SKIP LOCKED` lets each claim rows the others hold no lock on; the unique
(subscription, due time) constraint is the backstop. Each prompt must go out exactly once.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from emulator import BotApiEmulator
from store.models import Prompt, PromptState
from tests.databases import PG_URL, fresh_database
from tests.e2e.db import all_rows
from tests.e2e.harness import TOKEN
from tests.e2e.processes import seed_due_people

pytestmark = [
    pytest.mark.pg,
    pytest.mark.skipif(PG_URL is None, reason="ATTUNE_TEST_PG_URL is not set"),
]

PEOPLE = 2000
FIRST_ID = 200_000


async def test_three_dispatchers_send_each_prompt_exactly_once(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    database_url = await fresh_database("postgresql", tmp_path)
    await seed_due_people(
        database_url,
        count=PEOPLE,
        due=datetime.now(UTC) - timedelta(minutes=1),
        first_id=FIRST_ID,
    )
    for n in range(PEOPLE):
        emulator.user(user_id=FIRST_ID + n, first_name="Sam")
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.pg.dispatch_worker",
            database_url,
            emulator.root_url,
            TOKEN,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(3)
    ]
    outputs = await asyncio.wait_for(
        asyncio.gather(*(w.communicate() for w in workers)), timeout=120
    )
    assert [w.returncode for w in workers] == [0, 0, 0]
    shares = [int(stdout.decode().strip()) for stdout, _ in outputs]

    per_chat = Counter(int(c.params["chat_id"]) for c in emulator.calls_to("sendMessage") if c.ok)
    assert len(per_chat) == PEOPLE
    assert set(per_chat.values()) == {1}, "a prompt was sent twice"
    assert sum(shares) == PEOPLE
    assert all(share > 0 for share in shares), f"not shared: {shares}"
    print(f"shares of {PEOPLE} prompts across three dispatchers: {shares}")
    rows = await all_rows(database_url, Prompt)
    assert len(rows) == PEOPLE and {r.state for r in rows} == {PromptState.SENT}
