"""Running `attune` as real processes against the emulator, and seeding their database."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from messages.consent import CONSENT_VERSION
from store.db import create_engine, migrate, session_factory
from store.models import Subscription, User
from tests.e2e.harness import DATA_KEY, TOKEN


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
        async with session_factory(engine)() as session, session.begin():
            for n in range(count):
                user = User(
                    telegram_id=first_id + n,
                    chat_id=first_id + n,
                    timezone="Europe/Berlin",
                    adult_confirmed_at=due,
                    consented_at=due,
                    consent_version=CONSENT_VERSION,
                    created_at=due,
                )
                user.subscriptions = [
                    Subscription(
                        ritual_key="body_scan",
                        local_time="22:00",
                        weekdays="0123456",
                        next_due_at=due,
                        created_at=due,
                    )
                ]
                session.add(user)
    finally:
        await engine.dispose()
