"""After rows are erased, clearing the older copies the database keeps of them (store.scrub):
right away when it can, or soon after, for as long as it takes.

On SQLite the checkpoint cannot finish while another connection reads from the database
(a backup, an operator's shell): /delete tries it for a few seconds (PATIENCE), and if
a reader still holds on, says when it will be done, and the periodic job (every
RETRY_SECONDS) tries again until it is. On PostgreSQL VACUUM is left to that job, so a reply
never waits on it. What housekeeping erases waits for the job too. An erasure cut short
by a restart is not remembered, so every start begins with one scrub due.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from store.scrub import scrub

log = logging.getLogger(__name__)

# How long /delete waits for the checkpoint before saying it will follow (seconds), and
# how often the job tries a scrub that is due. /delete's words ("within a few minutes")
# hold once a reader lets go: the job's next run is at most this far away.
PATIENCE = 3.0
RETRY_SECONDS = 30.0
_FIRST_WAIT = 0.05


class Scrubber:
    """Whether a scrub is due, and the tries; one at a time, safe on every replica."""

    def __init__(self, engine: AsyncEngine, *, patience: float = PATIENCE) -> None:
        self._engine = engine
        self._patience = patience
        self._lock = asyncio.Lock()
        self._closed = False
        # Erasures asked for and scrubbed up to, counted, so a scrub that began before an
        # erasure committed never counts for it.
        self._asked = 1  # the one due at start
        self._done = 0

    @property
    def due(self) -> bool:
        """An erasure is not yet scrubbed."""
        return self._done < self._asked

    def erased(self) -> None:
        """Rows were erased (committed): a scrub is due; the job will do it."""
        self._asked += 1

    async def after_erasure(self) -> bool:
        """Rows were just erased (committed): scrub now, trying for a while on SQLite.

        True when no older copy is left, or on PostgreSQL where VACUUM follows in the job
        within RETRY_SECONDS; False when a reader held SQLite's log the whole time (the job
        finishes it once the reader lets go).
        """
        self.erased()
        if self._engine.dialect.name != "sqlite":
            return True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._patience
        wait = _FIRST_WAIT
        while not await self._try():
            if loop.time() + wait > deadline:
                log.info("scrub: the database is being read; the next runs will finish it")
                return False
            await asyncio.sleep(wait)
            wait *= 2
        return True

    async def run(self) -> None:
        """The periodic job: a scrub that is due, tried once."""
        await self._try()

    async def close(self) -> None:
        """Let a try in flight finish; later ones do nothing (the database is closing)."""
        async with self._lock:
            self._closed = True

    async def _try(self) -> bool:
        async with self._lock:
            if self._closed:
                return False
            if not self.due:
                return True
            asked = self._asked
            try:
                done = await scrub(self._engine)
            except Exception as error:  # the job must survive a database hiccup
                log.error("scrub failed: %s", type(error).__name__)
                return False
            if done:
                self._done = asked
            return self._done >= asked
