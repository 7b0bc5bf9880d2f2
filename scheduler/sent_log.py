"""Recording sends as they happen, many per transaction (a group commit)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from store.prompts import mark_sent


class SentLog:
    """Records sends as soon as they happen, many per transaction (group commit).

    Whoever holds the lock writes everything recorded so far in one statement; those
    who waited meanwhile find their entry already written, or the error that stopped
    the write (so nobody takes an unwritten send for a recorded one). One writer at a
    time also keeps SQLite from making concurrent writers wait on each other.

    Every write of a tick goes over one connection, held while the tick runs (`connected`):
    a commit on a connection taken from the pool for it cost nearly twice as much (the
    checkout, PostgreSQL's ping, the reset on return), and a tick may commit hundreds of
    times a second.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._pending: list[tuple[int, int]] = []
        self._outcome: dict[int, Exception | None] = {}  # written by another: None or why not
        self._lock = asyncio.Lock()
        self._connection: AsyncConnection | None = None

    @asynccontextmanager
    async def connected(self) -> AsyncIterator[None]:
        """Hold the connection every `record` writes over until this ends."""
        engine = self._sessions.kw["bind"]
        if not isinstance(engine, AsyncEngine):
            raise TypeError("the session factory must be bound to an engine")
        async with engine.connect() as connection:
            self._connection = connection
            try:
                yield
            finally:
                self._connection = None

    async def record(self, prompt_id: int, message_id: int, now: datetime) -> None:
        """Return once the send of `prompt_id` as `message_id` is committed, or raise."""
        self._pending.append((prompt_id, message_id))
        async with self._lock:
            if prompt_id in self._outcome:
                error = self._outcome.pop(prompt_id)
                if error is not None:
                    raise error
                return
            if self._connection is None:
                raise RuntimeError("record sends only while connected")
            batch, self._pending = self._pending, []
            others = [p for p, _ in batch if p != prompt_id]
            try:
                async with self._sessions(bind=self._connection) as session, session.begin():
                    await mark_sent(session, sent=batch, now=now)
            except Exception as error:
                self._outcome.update(dict.fromkeys(others, error))
                raise
            self._outcome.update(dict.fromkeys(others))
