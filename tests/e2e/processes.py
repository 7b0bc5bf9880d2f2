"""Running `attune` as real processes against the emulator, and seeding their database."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from emulator import BotApiEmulator
from store.db import create_engine, migrate
from tests.databases import keyring_url
from tests.e2e.harness import DATA_KEY, TOKEN
from tests.scheduler.people import add_people

# A rating button's or an Open button's callback data, as it appears in reply_markup.
_PROMPT_BUTTON = re.compile(r"""["'](?:r:\d+:\d|open:\d+)["']""")


def process_env(root_url: str, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of an `attune run` process: ours, minus any Attune settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "ATTUNE_")) and k != "DATABASE_URL"
    }
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        ATTUNE_DATA_KEY=DATA_KEY,
        TELEGRAM_API_BASE_URL=root_url,
        DATABASE_URL=database_url,
        ATTUNE_HTTP_HOST="127.0.0.1",
        ATTUNE_HTTP_PORT="0",  # a test that asks /healthz passes a port of its own
    )
    if not database_url.startswith("sqlite"):
        env.update(ATTUNE_KEYRING_URL=keyring_url(database_url))
    env.update(extra)
    return env


async def start_attune(env: dict[str, str], cwd: Path, *args: str) -> asyncio.subprocess.Process:
    """`python -m bot run` (or other arguments) in its own process."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *(args or ("run",)), env=env, cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def seed_due_people(
    database_url: str, *, count: int, due: datetime, first_id: int = 100_000
) -> None:
    """`count` onboarded people in Berlin, each with one ritual due at `due`."""
    engine: AsyncEngine = create_engine(database_url)
    try:
        await migrate(engine)
        await add_people(engine, count, due, first_id=first_id)
    finally:
        await engine.dispose()


def prompts_per_chat(emulator: BotApiEmulator) -> Counter[int]:
    """Prompts delivered, per chat: messages with rating buttons, or the one Open button
    of a discreet prompt."""
    return Counter(
        int(call.params["chat_id"])
        for call in emulator.calls_to("sendMessage")
        if call.ok and _PROMPT_BUTTON.search(str(call.params.get("reply_markup")))
    )


async def until(condition: Callable[[], object], seconds: float) -> None:
    """Wait until `condition()` holds, or fail after `seconds`."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - the emulator's call log has no event
            await asyncio.sleep(0.05)


def started_chats(emulator: BotApiEmulator, *, count: int, first_id: int) -> None:
    """`count` people who started a chat with the bot (Telegram delivers only to them)."""
    for n in range(count):
        emulator.user(user_id=first_id + n, first_name="Sam")


async def run_until(
    env: dict[str, str], cwd: Path, condition: Callable[[], object], *, seconds: float
) -> None:
    """`attune run` until `condition()` holds and a moment more (anything arriving then
    would be a duplicate), then a SIGTERM."""
    process = await start_attune(env, cwd)
    try:
        await until(condition, seconds=seconds)
        await asyncio.sleep(0.5)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), timeout=15)


@dataclass
class Rush:
    """People due a minute ago in an SQLite file, their chats in the emulator, and the
    environment of an `attune run` process serving them."""

    emulator: BotApiEmulator
    env: dict[str, str]
    database_url: str
    due: datetime


@asynccontextmanager
async def evening_rush(
    cwd: Path, *, people: int, first_id: int, **settings: str
) -> AsyncIterator[Rush]:
    """A `Rush` for `people` (ids from `first_id`), with `settings` for the process."""
    database_url = f"sqlite+aiosqlite:///{cwd / 'attune.db'}"
    due = datetime.now(UTC) - timedelta(minutes=1)
    await seed_due_people(database_url, count=people, due=due, first_id=first_id)
    async with BotApiEmulator(token=TOKEN) as emulator:
        started_chats(emulator, count=people, first_id=first_id)
        env = process_env(emulator.root_url, database_url, ATTUNE_TICK_SECONDS="0.2", **settings)
        yield Rush(emulator, env, database_url, due)
