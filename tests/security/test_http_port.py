"""Finding 5: the HTTP port listens on loopback unless webhook mode or ATTUNE_HTTP_HOST
says otherwise, and /readyz asks the database at most once a second however often it is
asked."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.settings import Settings
from bot.web import _Routes
from emulator import BotApiEmulator
from tests.e2e.harness import DATA_KEY, TOKEN, FakeClock, serving

SECRET = "s3cret-for-the-webhook-test_0123456789abcdef"
LISTEN = "0A"  # the TCP state of a listening socket in /proc/net/tcp


def _settings(root_url: str, tmp_path: Path, **extra: object) -> Settings:
    """Settings as an operator writes them: no ATTUNE_HTTP_HOST unless `extra` has one."""
    values: dict[str, object] = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": root_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}",
        "ATTUNE_DATA_KEY": DATA_KEY,
        "ATTUNE_TICK_SECONDS": 3600,
        "ATTUNE_HTTP_PORT": 0,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _listening_on(port: int) -> set[str]:
    """The addresses a TCP port listens on, as the kernel reports them."""
    addresses = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, local_port = local.split(":")
            if state != LISTEN or int(local_port, 16) != port:
                continue
            raw = bytes.fromhex(address)
            # The kernel writes each 32-bit word in host (little-endian) order.
            raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            addresses.add(socket.inet_ntop(family, raw))
    return addresses


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


pytestmark = pytest.mark.skipif(
    not Path("/proc/net/tcp").exists(), reason="reads the kernel's socket table (Linux)"
)


async def test_polling_listens_on_loopback_only_by_default(
    emulator: BotApiEmulator, clock: FakeClock, tmp_path: Path
) -> None:
    async with serving(_settings(emulator.root_url, tmp_path), clock) as (_app, runtime):
        assert _listening_on(runtime.port) == {"127.0.0.1"}


async def test_ATTUNE_HTTP_HOST_opens_it_to_every_interface(
    emulator: BotApiEmulator, clock: FakeClock, tmp_path: Path
) -> None:
    settings = _settings(emulator.root_url, tmp_path, ATTUNE_HTTP_HOST="0.0.0.0")
    async with serving(settings, clock) as (_app, runtime):
        assert _listening_on(runtime.port) == {"0.0.0.0"}


async def test_webhook_mode_listens_on_every_interface_by_default(
    emulator: BotApiEmulator, clock: FakeClock, tmp_path: Path
) -> None:
    port = _free_port()
    settings = _settings(
        emulator.root_url,
        tmp_path,
        ATTUNE_MODE="webhook",
        ATTUNE_HTTP_PORT=port,
        ATTUNE_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        ATTUNE_WEBHOOK_SECRET=SECRET,
    )
    async with serving(settings, clock):
        assert _listening_on(port) == {"0.0.0.0"}


async def test_readiness_asks_the_database_at_most_once_a_second(
    emulator: BotApiEmulator, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Readiness's own questions are counted, not the engine's checkouts: the bot's jobs
    # (a dispatch tick, its partners' reveals) use the database meanwhile too.
    asked: list[object] = []
    ask_database = _Routes._ask_database

    async def counted(self: _Routes) -> bool:
        asked.append(None)
        return await ask_database(self)

    async with serving(_settings(emulator.root_url, tmp_path), clock) as (_app, runtime):
        url = f"http://127.0.0.1:{runtime.port}/readyz"
        async with aiohttp.ClientSession() as http:
            async with http.get(url) as first:
                assert first.status == 200
            monkeypatch.setattr(_Routes, "_ask_database", counted)
            started = asyncio.get_running_loop().time()

            async def ask() -> int:
                async with http.get(url) as response:
                    return response.status

            statuses = await asyncio.gather(*(ask() for _ in range(200)))
            elapsed = asyncio.get_running_loop().time() - started
    assert set(statuses) == {200}
    # One question per second begun: the first of them may still be the one before.
    assert len(asked) <= int(elapsed) + 1, (len(asked), elapsed)
