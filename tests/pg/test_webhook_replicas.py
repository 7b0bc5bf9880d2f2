"""Three real `attune run` processes in webhook mode on one PostgreSQL database.

The emulator delivers updates to the webhook URL, a round-robin proxy (the load balancer)
spreads them over the replicas, and 1,000 people are due in the same minute; each rates
their prompt as soon as it arrives. Without a kill, every prompt goes out exactly once
and every rating is stored once. With one replica killed (SIGKILL) mid-run, the other two
finish its work: its claims after their lease, its updates because Telegram delivers
again what was not answered 200. A kill can repeat only the sends it had in flight.
"""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from emulator import BotApiEmulator
from store.models import CheckIn, Prompt, PromptState
from tests.databases import PG_URL, fresh_database
from tests.e2e.db import all_rows, count, opened_check_ins
from tests.e2e.harness import TOKEN
from tests.e2e.processes import (
    process_env,
    prompts_per_chat,
    seed_due_people,
    start_attune,
    started_chats,
)
from tests.e2e.proxy import RoundRobinProxy

pytestmark = [
    pytest.mark.pg,
    pytest.mark.skipif(PG_URL is None, reason="ATTUNE_TEST_PG_URL is not set"),
]

PEOPLE = 1000
FIRST_ID = 400_000
SECRET = "replica-test-secret-0123456789abcdefABCDEF"
IN_FLIGHT_BOUND = 32  # Dispatcher(concurrency=32): the sends one replica has in flight
GRACE_MINUTES = 60  # the default
_PROMPT_ID = re.compile(r"""["'](?:open|r):(\d+)""")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _rate_every_prompt(emulator: BotApiEmulator, stop: asyncio.Event) -> None:
    """Each person taps 3 on their prompt as soon as it arrives (once per prompt id)."""
    people = {FIRST_ID + n: emulator.user(user_id=FIRST_ID + n) for n in range(PEOPLE)}
    rated: set[int] = set()
    while not stop.is_set():
        for call in emulator.calls_to("sendMessage"):
            match = _PROMPT_ID.search(str(call.params.get("reply_markup", "")))
            if not call.ok or match is None or int(match.group(1)) in rated:
                continue
            prompt_id = int(match.group(1))
            rated.add(prompt_id)
            person = people[int(call.params["chat_id"])]
            await person.press(call.result["message_id"], callback_data=f"r:{prompt_id}:3")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("kill_one", [False, True], ids=["all-up", "one-killed"])
async def test_three_webhook_replicas_share_a_rush(tmp_path: Path, kill_one: bool) -> None:
    database_url = await fresh_database("postgresql", tmp_path)
    await seed_due_people(
        database_url, count=PEOPLE, due=datetime.now(UTC) - timedelta(seconds=5), first_id=FIRST_ID
    )
    ports = [_free_port() for _ in range(3)]
    async with (
        BotApiEmulator(token=TOKEN) as emulator,
        RoundRobinProxy([f"http://127.0.0.1:{port}" for port in ports]) as proxy,
    ):
        started_chats(emulator, count=PEOPLE, first_id=FIRST_ID)
        replicas = [
            await start_attune(
                process_env(
                    emulator.root_url,
                    database_url,
                    ATTUNE_MODE="webhook",
                    ATTUNE_HTTP_PORT=str(port),
                    ATTUNE_WEBHOOK_URL=f"{proxy.url}/telegram/updates",
                    ATTUNE_WEBHOOK_SECRET=SECRET,
                    ATTUNE_TICK_SECONDS="0.2",
                    ATTUNE_RATE_LIMIT="120",  # a prompt, then three calls per rating
                    # Above what a claim may wait in a replica's queue (two batches of
                    # 200 at 120/s: under 4 s), or a live replica's claims get taken over.
                    ATTUNE_CLAIM_LEASE_SECONDS="12",
                ),
                tmp_path,
            )
            for port in ports
        ]
        stop_rating = asyncio.Event()
        rating = asyncio.create_task(_rate_every_prompt(emulator, stop_rating))
        started = time.monotonic()
        delivered_at_kill = None
        try:
            if kill_one:
                await _until(lambda: len(prompts_per_chat(emulator)) >= 300, seconds=60)
                replicas[0].send_signal(signal.SIGKILL)
                await replicas[0].wait()
                delivered_at_kill = len(prompts_per_chat(emulator))
            await _until(lambda: len(prompts_per_chat(emulator)) == PEOPLE, seconds=90)
            await _until_rated(database_url, seconds=60)
            finished = time.monotonic() - started
            await asyncio.sleep(1.0)  # anything still to come would be a duplicate
        finally:
            stop_rating.set()
            await rating
            survivors = replicas[1:] if kill_one else replicas
            for replica in survivors:
                replica.send_signal(signal.SIGTERM)
            stopped = time.monotonic()
            outcomes = await asyncio.wait_for(
                asyncio.gather(*(r.communicate() for r in survivors)), timeout=30
            )
            stop_took = time.monotonic() - stopped

    assert [r.returncode for r in survivors] == [0] * len(survivors), [
        err.decode()[-2000:] for _, err in outcomes
    ]
    assert stop_took < 10
    per_chat = prompts_per_chat(emulator)
    repeated = sum(n - 1 for n in per_chat.values())
    print(
        f"kill={kill_one}: {PEOPLE} prompts and ratings in {finished:.1f} s"
        f" (killed at {delivered_at_kill}); {repeated} repeated; proxy shares {proxy.counts}"
    )
    assert len(per_chat) == PEOPLE, "every prompt went out"
    if kill_one:
        assert 300 <= (delivered_at_kill or 0) < PEOPLE, "the kill landed mid-run"
        assert repeated <= IN_FLIGHT_BOUND
    else:
        assert repeated == 0, "a prompt was sent twice"
        assert all(count > 0 for count in proxy.counts.values()), "updates were shared"
    assert finished < GRACE_MINUTES * 60

    prompts = await all_rows(database_url, Prompt)
    assert len(prompts) == PEOPLE, "each due time was claimed once"
    assert {p.state for p in prompts} == {PromptState.ANSWERED}
    check_ins = await opened_check_ins(database_url)
    assert len(check_ins) == PEOPLE and len({c.prompt_id for c in check_ins}) == PEOPLE
    assert {c.rating for c in check_ins} == {3}


async def _until(condition: object, seconds: float) -> None:
    assert callable(condition)
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - the emulator's call log has no event
            await asyncio.sleep(0.05)


async def _until_rated(database_url: str, seconds: float) -> None:
    async with asyncio.timeout(seconds):
        # Counted, not opened: opening reads every person's key, too heavy to poll.
        while await count(database_url, CheckIn) < PEOPLE:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
