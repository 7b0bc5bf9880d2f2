"""APScheduler wiring: a handful of periodic jobs, never one job per person."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.dispatch import Dispatcher, DispatchReport

log = logging.getLogger(__name__)

# How often housekeeping (scheduler.housekeeping) runs.
HOUSEKEEPING_SECONDS = 3600.0


class DispatchJob:
    """One dispatch tick at a time, at the injected clock's now, until closed."""

    def __init__(self, dispatcher: Dispatcher, clock: Callable[[], datetime]) -> None:
        self._dispatcher = dispatcher
        self._clock = clock
        self._lock = asyncio.Lock()
        self._closed = False
        self._current: asyncio.Task[DispatchReport] | None = None
        self.last_run: datetime | None = None
        self._finished_at: float | None = None  # monotonic: for readiness

    async def run(self) -> bool:
        """Run one tick; a failing tick is logged and the next one tries again. True once
        this tick finished (every prompt it claimed sent and recorded)."""
        async with self._lock:
            if self._closed:
                return False
            now = self._clock()
            # A task of its own, so close() can wait for it with a deadline.
            self._current = asyncio.create_task(self._dispatcher.tick(now))
            try:
                report = await asyncio.shield(self._current)
            except Exception as error:  # the job must survive a database hiccup
                log.error("dispatch tick failed: %s", type(error).__name__)
                return False
            finally:
                self._current = None
            self.last_run = now
            self._finished_at = time.monotonic()
            if report.sent or report.expired or report.failed or report.released or report.lapsed:
                log.info(
                    "dispatch: sent=%d expired=%d failed=%d blocked=%d released=%d lapsed=%d",
                    report.sent,
                    report.expired,
                    report.failed,
                    report.blocked,
                    report.released,
                    report.lapsed,
                )
            return True

    def is_current(self, *, within: float) -> bool:
        """A tick is running, or one finished less than `within` seconds ago (a tick
        draining an evening rush may run for minutes: that is dispatch working)."""
        if self._current is not None:
            return True
        finished = self._finished_at
        return finished is not None and time.monotonic() - finished <= within

    async def close(self, *, within: float = 8.0) -> None:
        """Stop claiming; let the sends in flight finish and be recorded; later ticks do
        nothing. A tick that needs longer than `within` seconds (a send waiting out a
        long 429) is cancelled: what it claimed and did not record is sent again by the
        next dispatcher after its lease.
        """
        self._closed = True
        self._dispatcher.stop()
        current = self._current
        if current is None:
            return
        done, _ = await asyncio.wait({current}, timeout=within)
        if not done:
            log.warning("dispatch: a tick outlived the stop deadline; cancelling it")
            current.cancel()
            await asyncio.wait({current})


def build_scheduler(
    dispatch: Callable[[], Awaitable[object]],
    *,
    tick_seconds: float,
    housekeeping: Callable[[], Awaitable[None]] | None = None,
    housekeeping_seconds: float = HOUSEKEEPING_SECONDS,
    scrub: Callable[[], Awaitable[None]] | None = None,
    scrub_seconds: float = 30,
) -> AsyncIOScheduler:
    """A scheduler that runs `dispatch` now and then every `tick_seconds`, housekeeping,
    and the scrub after erasures (scheduler.scrubbing).

    The database says what is due, so the job store stays in memory and holds these few
    jobs: a restart loses nothing, and several replicas never share a job store
    (APScheduler does not support that). Every job is safe to run on every replica at once.
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
    upkeep = (
        ("housekeeping", housekeeping, housekeeping_seconds),
        ("scrub", scrub, scrub_seconds),
    )
    for name, job, seconds in upkeep:
        if job is not None:
            scheduler.add_job(
                job,
                IntervalTrigger(seconds=seconds),
                id=name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
                next_run_time=datetime.now(UTC),
            )
    return scheduler
