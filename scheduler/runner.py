"""APScheduler wiring: a handful of periodic jobs, never one job per person."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.dispatch import Dispatcher

log = logging.getLogger(__name__)


class DispatchJob:
    """One dispatch tick at a time, at the injected clock's now, until closed."""

    def __init__(self, dispatcher: Dispatcher, clock: Callable[[], datetime]) -> None:
        self._dispatcher = dispatcher
        self._clock = clock
        self._lock = asyncio.Lock()
        self._closed = False
        self.last_run: datetime | None = None

    async def run(self) -> None:
        """Run one tick; a failing tick is logged and the next one tries again."""
        async with self._lock:
            if self._closed:
                return
            now = self._clock()
            try:
                report = await self._dispatcher.tick(now)
            except Exception as error:  # the job must survive a database hiccup
                log.error("dispatch tick failed: %s", type(error).__name__)
                return
            self.last_run = now
            if report.sent or report.expired or report.failed:
                log.info(
                    "dispatch: sent=%d expired=%d failed=%d blocked=%d",
                    report.sent,
                    report.expired,
                    report.failed,
                    report.blocked,
                )

    async def close(self) -> None:
        """Let a tick in flight finish its sends and writes; later ticks do nothing.

        A tick the scheduler already started may be waiting for the lock; the flag keeps
        it from touching a database that is about to close.
        """
        async with self._lock:
            self._closed = True


def build_scheduler(
    dispatch: Callable[[], Awaitable[None]],
    *,
    tick_seconds: float,
    housekeeping: Callable[[], Awaitable[None]] | None = None,
    housekeeping_seconds: float = 3600,
) -> AsyncIOScheduler:
    """A scheduler that runs `dispatch` now and then every `tick_seconds`, and housekeeping.

    The database says what is due, so the job store stays in memory and holds two jobs:
    a restart loses nothing, and several replicas never share a job store (APScheduler
    does not support that). Both jobs are safe to run on every replica at once.
    """
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        dispatch,
        IntervalTrigger(seconds=tick_seconds),
        id="dispatch",
        max_instances=1,  # a slow tick delays the next instead of overlapping it
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=datetime.now(UTC),
    )
    if housekeeping is not None:
        scheduler.add_job(
            housekeeping,
            IntervalTrigger(seconds=housekeeping_seconds),
            id="housekeeping",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )
    return scheduler
