"""The long-lived services every handler reaches through its context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.flood import FloodGuard
from bot.metrics import Metrics
from bot.paid_broadcast import PaidBudget
from bot.settings import Settings
from scheduler.housekeeping import Housekeeping
from scheduler.runner import DispatchJob
from scheduler.scrubbing import Scrubber
from store.crypto import DataKey
from store.keyring import Keyring


def utc_now() -> datetime:
    """The real clock; tests hand the application another one."""
    return datetime.now(UTC)


@dataclass
class Services:
    """What bot.app.open_services opens and close_services closes, the clock and metrics."""

    settings: Settings
    data_key: DataKey  # ATTUNE_DATA_KEY: wraps the person keys in the keyring
    clock: Callable[[], datetime] = utc_now
    engine: AsyncEngine | None = None
    keyring: Keyring | None = None
    sessions: async_sessionmaker[AsyncSession] | None = None
    flood: FloodGuard = field(default_factory=FloodGuard)
    scheduler: AsyncIOScheduler | None = None
    dispatch: DispatchJob | None = None
    housekeeping: Housekeeping | None = None
    scrubber: Scrubber | None = None
    metrics: Metrics = field(default_factory=Metrics)
    paid_budget: PaidBudget | None = None  # ATTUNE_PAID_BROADCAST=on

    def session(self) -> AsyncSession:
        """A new session; valid once open_services has opened the database."""
        if self.sessions is None:
            raise RuntimeError("the database is not open yet")
        return self.sessions()


class BotData:
    """Typed `bot_data`: holds the services instead of untyped dict lookups."""

    services: Services


class AttuneContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The callback context handlers receive, with typed access to the services."""

    @property
    def services(self) -> Services:
        """The application's services."""
        return self.bot_data.services


CONTEXT_TYPES = ContextTypes(context=AttuneContext, bot_data=BotData)
