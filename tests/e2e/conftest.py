"""Fixtures for end-to-end tests: a fake clock and the running bot (the emulator fixture is
shared by every test folder: tests/emulators.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import AttuneApp
from emulator import BotApiEmulator
from tests.databases import BACKENDS, fresh_database
from tests.e2e.harness import FakeClock, make_settings, running_bot


@pytest.fixture
def clock() -> FakeClock:
    """Friday 27 November 2026, 12:00 UTC (13:00 in Berlin)."""
    return FakeClock(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend."""
    return await fresh_database(request.param, tmp_path)


@pytest.fixture
async def bot(
    emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> AsyncIterator[AttuneApp]:
    """The real application, polling the emulator."""
    async with running_bot(make_settings(emulator.root_url, database_url), clock) as app:
        yield app
