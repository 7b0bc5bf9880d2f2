"""Paid broadcast's budget: may one more prompt go out paid today?

Telegram lets a bot send up to 1,000 messages a second with `allow_paid_broadcast`, for
0.1 Stars per message past its free rate (about 30 a second). bot.rate_limit sends a
prompt paid only when no free slot is to be had at once and this budget says yes.

The budget is per UTC day and one for the whole bot: the day's count lives in the
database (store.paid_broadcast), so replicas share it and a restart does not start the day
over. Each process sets paid messages aside a block at a time and gives back what it did
not send when it stops or the day ends; a crash leaves at most one block counted as
spent, never spent twice. When Telegram will not take payment (its Stars balance ran
out), this process sends at the free rate until the next UTC day.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.paid_broadcast import give_back, set_aside

log = logging.getLogger(__name__)

STARS_PER_MESSAGE = 0.1
# Paid messages set aside at a time: 10 Stars, about a tenth of a second at full speed.
BLOCK = 100


class PaidEvents(Protocol):
    """What the budget reports (bot.metrics.Metrics counts it)."""

    def paid_message_sent(self) -> None:
        """A prompt went out paid: 0.1 Stars at most."""


def daily_messages(stars: float) -> int:
    """How many paid messages a day's budget of `stars` pays for."""
    return math.floor(stars / STARS_PER_MESSAGE + 1e-9)


class PaidBudget:
    """Today's paid messages, set aside from the shared ledger a block at a time."""

    def __init__(
        self,
        *,
        daily_stars: float,
        clock: Callable[[], datetime],
        events: PaidEvents | None = None,
        block: int = BLOCK,
    ) -> None:
        self.limit = daily_messages(daily_stars)
        self._clock = clock
        self._events = events
        self._block = block
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._lock = asyncio.Lock()
        self._day: date | None = None  # the UTC day the held messages belong to
        self._held = 0  # set aside in the ledger, not sent yet
        self._over: date | None = None  # a day with nothing more to spend here

    def open(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Start paying: the ledger is reachable (until then every prompt goes free)."""
        self._sessions = sessions

    async def take(self) -> bool:
        """One paid message now, if today's budget has it; False: send at the free rate."""
        async with self._lock:
            today = self._clock().astimezone(UTC).date()
            if today != self._day:
                await self._give_back()  # the last day's unsent block goes back to it
                self._day = today
            if self._sessions is None or self._over == today:
                return False
            if self._held == 0:
                granted = await self._set_aside(today)
                if granted is None:  # the ledger is unreachable: this one goes free
                    return False
                if granted == 0:
                    self._over = today
                    log.info("paid broadcast: today's budget is spent; free rate until 00:00 UTC")
                    return False
                self._held = granted
            self._held -= 1
            return True

    def sent(self) -> None:
        """A message taken with take() went out paid."""
        if self._events is not None:
            self._events.paid_message_sent()

    async def refused(self) -> None:
        """Telegram would not take payment for a message taken with take() (it went out at
        the free rate instead): nothing more is paid today, and what was set aside but not
        paid for, that message included, goes back."""
        async with self._lock:
            if self._over != self._day:
                log.warning(
                    "paid broadcast: Telegram would not charge for a paid message (is the"
                    " Stars balance spent?); free rate until 00:00 UTC"
                )
            self._over = self._day
            self._held += 1
            await self._give_back()

    async def close(self) -> None:
        """Give back what was set aside and not sent (the process is stopping)."""
        async with self._lock:
            await self._give_back()
            self._sessions = None

    async def _set_aside(self, day: date) -> int | None:
        assert self._sessions is not None
        try:
            async with self._sessions() as session, session.begin():
                return await set_aside(session, day=day, want=self._block, limit=self.limit)
        except (SQLAlchemyError, OSError) as error:
            log.warning("paid broadcast: the ledger is unreachable (%s)", type(error).__name__)
            return None

    async def _give_back(self) -> None:
        held, self._held = self._held, 0
        if not held or self._day is None or self._sessions is None:
            return
        try:
            async with self._sessions() as session, session.begin():
                await give_back(session, day=self._day, count=held)
        except (SQLAlchemyError, OSError) as error:  # counted as spent: never too much
            log.warning("paid broadcast: could not give back %d (%s)", held, type(error).__name__)
