"""Recording sends as they happen, many per transaction (a group commit)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.prompts import mark_sent


class SentLog:
    """Records sends as soon as they happen, many per transaction (group commit).

    Whoever holds the lock writes everything recorded so far in one statement; those
    who waited meanwhile find their entry already written, or the error that stopped
    the write (so nobody takes an unwritten send for a recorded one). One writer at a
    time also keeps SQLite from making concurrent writers wait on each other.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._pending: list[tuple[int, int]] = []
        self._outcome: dict[int, Exception | None] = {}  # written by another: None or why not
        self._lock = asyncio.Lock()

    async def record(self, prompt_id: int, message_id: int, now: datetime) -> None:
        """Return once the send of `prompt_id` as `message_id` is committed, or raise."""
        self._pending.append((prompt_id, message_id))
        async with self._lock:
            if prompt_id in self._outcome:
                error = self._outcome.pop(prompt_id)
                if error is not None:
                    raise error
                return
            batch, self._pending = self._pending, []
            others = [p for p, _ in batch if p != prompt_id]
            try:
                async with self._sessions() as session, session.begin():
                    await mark_sent(session, sent=batch, now=now)
            except Exception as error:
                self._outcome.update(dict.fromkeys(others, error))
                raise
            self._outcome.update(dict.fromkeys(others))
