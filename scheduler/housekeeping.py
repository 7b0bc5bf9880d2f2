"""Periodic upkeep that is not sending: erasing notes past the retention people chose."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.notes import expire_notes

log = logging.getLogger(__name__)


class Housekeeping:
    """One housekeeping run at the injected clock's now; safe to run on every replica."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._lock = asyncio.Lock()
        self._closed = False

    async def run(self) -> None:
        """Erase expired notes; a failure is logged and the next run tries again."""
        async with self._lock:
            if self._closed:
                return
            try:
                async with self._sessions() as session, session.begin():
                    erased = await expire_notes(session, now=self._clock())
            except Exception as error:  # the job must survive a database hiccup
                log.error("housekeeping failed: %s", type(error).__name__)
                return
        if erased:
            log.info("housekeeping: erased %d notes past their retention", erased)

    async def close(self) -> None:
        """Let a run in flight finish; later runs do nothing (the database is closing)."""
        async with self._lock:
            self._closed = True
