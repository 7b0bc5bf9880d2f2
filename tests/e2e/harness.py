"""Running the real application in-process against the emulator, with a fake clock."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from bot.app import AttuneApp, build_application
from bot.data_key import load_data_key
from bot.runtime import Runtime, running
from bot.settings import Settings
from tests.databases import DATA_KEY as DATA_KEY  # where tests have always found it
from tests.databases import keyring_url
from tests.emulators import TOKEN as TOKEN


class FakeClock:
    """A clock the test moves by hand; the dispatcher reads it on every tick."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move time forward."""
        self.now += timedelta(**delta)


def make_settings(root_url: str, database_url: str, **extra: object) -> Settings:
    """Settings for a test run; nothing is read from the environment or a .env file.

    On PostgreSQL the keyring is the database beside the data's (tests.databases).
    """
    values: dict[str, object] = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": root_url,
        "DATABASE_URL": database_url,
        # Tests tick by hand (tests.e2e.flows.tick_at) at the time they choose; the
        # scheduler's own tick runs once at start and then not for an hour.
        "ATTUNE_TICK_SECONDS": 3600,
        "ATTUNE_DATA_KEY": DATA_KEY,
        # One message a second per chat is tested on its own; elsewhere it only slows.
        "ATTUNE_CHAT_RATE_LIMIT": 1000,
        # Health, readiness and metrics on a free loopback port of its own.
        "ATTUNE_HTTP_HOST": "127.0.0.1",
        "ATTUNE_HTTP_PORT": 0,
        **(
            {}
            if database_url.startswith("sqlite")
            else {"ATTUNE_KEYRING_URL": keyring_url(database_url)}
        ),
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def free_port() -> int:
    """A loopback port nothing listens on now (for a webhook URL known before the start)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def webhook_settings(root_url: str, database_url: str, **extra: object) -> Settings:
    """`make_settings` for webhook mode: the bot listens on a free loopback port, registers
    it at start, and the emulator delivers updates there."""
    port = free_port()
    return make_settings(
        root_url,
        database_url,
        ATTUNE_MODE="webhook",
        ATTUNE_HTTP_PORT=port,
        ATTUNE_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/updates",
        ATTUNE_WEBHOOK_SECRET="s3cret-for-the-webhook-tests_0123456789abcdef",
        **extra,
    )


@asynccontextmanager
async def serving(
    settings: Settings, clock: FakeClock
) -> AsyncIterator[tuple[AttuneApp, Runtime]]:
    """The application served as `attune run` serves it, and stopped the same way."""
    app = build_application(settings, data_key=load_data_key(settings), clock=clock)
    async with running(app) as runtime:
        yield app, runtime


@asynccontextmanager
async def running_bot(settings: Settings, clock: FakeClock) -> AsyncIterator[AttuneApp]:
    """`serving`, for tests that need only the application."""
    async with serving(settings, clock) as (app, _runtime):
        yield app
