"""The Bot API emulator fixture every test folder shares (registered in tests/conftest.py).

`emulator` is one emulator on loopback, started and stopped around the test. A test that
needs it tuned (a fixed clock, fast webhook retries) says so with a marker, and still gets
it from the same fixture:

    @pytest.mark.emulator(webhook_retry_min=0.01)
    async def test_...(emulator: BotApiEmulator) -> None: ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from emulator import BotApiEmulator

TOKEN = "123456789:TEST-token-for-the-local-emulator"
BOT_ID = int(TOKEN.split(":")[0])


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "emulator(**options): options for the emulator fixture (BotApiEmulator's)"
    )


@pytest.fixture
async def emulator(request: pytest.FixtureRequest) -> AsyncIterator[BotApiEmulator]:
    """A Bot API emulator on loopback, with the options of the test's emulator marker."""
    marker = request.node.get_closest_marker("emulator")
    options = marker.kwargs if marker is not None else {}
    async with BotApiEmulator(TOKEN, **options) as emu:
        yield emu
