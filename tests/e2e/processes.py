"""Running `attune` as real processes against the emulator, and seeding their database."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import create_engine, migrate
from tests.e2e.harness import DATA_KEY, TOKEN
from tests.scheduler.people import add_people


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
        **extra,
    )
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
