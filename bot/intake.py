"""Taking updates from Telegram: each handled before Telegram is told it arrived.

PTB's own Updater confirms a batch of polled updates (by asking for the next offset)
as soon as it has queued them, and its webhook server answers 200 before handlers run:
a crash then loses whatever was queued. Here an update is confirmed only after its
handlers finished: long polling asks for the next offset once the whole batch is handled,
and the webhook (bot.web) answers 200 once its update is handled. A crash can then lose
nothing Telegram sent; it can handle again what was handled but not yet confirmed (one
polled batch, or the webhook requests in flight). The README says what that means.

Updates of one chat are handled one after the other, in order; different chats in
parallel, as Telegram's own webhook delivery would have them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from typing import Final

from telegram import Bot, Update
from telegram.error import Conflict, NetworkError, RetryAfter

log = logging.getLogger(__name__)

# Everything a handler is registered for; Telegram sends nothing else.
ALLOWED_UPDATES: Final = ("message", "edited_message", "callback_query", "my_chat_member")

# How long one long poll waits for updates (seconds).
LONG_POLL: Final = 10

# After a failed poll, wait this long before the next (doubling, up to the maximum).
_RETRY_FIRST, _RETRY_MAX = 0.5, 30.0


class UpdateIntake:
    """Hands updates to the application: per chat in order, chats in parallel."""

    def __init__(self, process: Callable[[Update], Awaitable[None]]) -> None:
        self._process = process
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: Counter[int] = Counter()

    async def handle(self, update: Update) -> None:
        """Return once the update's handlers have finished (their errors are theirs)."""
        async with self._chat_turn(_chat_key(update)):
            await self._process(update)

    async def handle_batch(self, updates: Sequence[Update]) -> None:
        """Handle a batch: each chat's updates in order, different chats in parallel."""
        by_chat: dict[int, list[Update]] = {}
        for update in updates:
            by_chat.setdefault(_chat_key(update), []).append(update)

        async def in_order(chat_updates: list[Update]) -> None:
            for update in chat_updates:
                await self.handle(update)

        async with asyncio.TaskGroup() as group:
            for chat_updates in by_chat.values():
                group.create_task(in_order(chat_updates))

    @asynccontextmanager
    async def _chat_turn(self, key: int) -> AsyncIterator[None]:
        """One update per chat at a time; a chat's lock lives only while it is wanted."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:
                del self._holders[key], self._locks[key]


def _chat_key(update: Update) -> int:
    """The chat an update belongs to (its sender's, failing that); 0 for neither."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


class Poller:
    """Long polling that confirms a batch only after every update in it was handled."""

    def __init__(self, bot: Bot, intake: UpdateIntake) -> None:
        self._bot = bot
        self._intake = intake
        self._stopping = asyncio.Event()
        self._offset: int | None = None

    def stop(self) -> None:
        """Take no more updates; a batch being handled is finished first."""
        self._stopping.set()

    async def run(self) -> None:
        """Poll and handle until stopped; a bad token ends it with InvalidToken."""
        retry = _RETRY_FIRST
        while not self._stopping.is_set():
            try:
                updates = await self._next_batch()
            except RetryAfter as error:
                await self._pause(_seconds(error.retry_after))
                continue
            # A network hiccup, or another poller (a replica misconfigured to poll): keep
            # trying, more slowly. A bad token (InvalidToken) is not worth retrying.
            except (NetworkError, Conflict) as error:
                log.warning("polling failed (%s); trying again", type(error).__name__)
                await self._pause(retry)
                retry = min(retry * 2, _RETRY_MAX)
                continue
            retry = _RETRY_FIRST
            if updates is None:  # stopped while waiting
                break
            if updates:
                await self._intake.handle_batch(updates)
                self._offset = updates[-1].update_id + 1
        await self._confirm()

    async def _next_batch(self) -> tuple[Update, ...] | None:
        """The next batch, or None if stop() came first (that poll is abandoned: what it
        would have returned stays unconfirmed, so Telegram sends it again)."""
        poll = asyncio.ensure_future(
            self._bot.get_updates(
                offset=self._offset,
                timeout=LONG_POLL,
                allowed_updates=list(ALLOWED_UPDATES),
                read_timeout=LONG_POLL + 5,
            )
        )
        stopped = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({poll, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            if not poll.done():  # stopped, or this task itself was cancelled
                poll.cancel()
                poll.add_done_callback(_retrieve)  # an abandoned poll's error is no news
        if poll.cancelled() or not poll.done():
            await asyncio.wait({poll})  # the abandoned request closes before anything else
            return None
        result: tuple[Update, ...] = poll.result()
        return result

    async def _pause(self, seconds: float) -> None:
        """Sleep, unless stop() comes first."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _confirm(self) -> None:
        """Tell Telegram the last handled batch arrived, so a restart doesn't repeat it."""
        if self._offset is None:
            return
        try:
            await self._bot.get_updates(
                offset=self._offset, timeout=0, limit=1, allowed_updates=list(ALLOWED_UPDATES)
            )
        except NetworkError as error:
            # The batch is then handled again after a restart: repeated, not lost.
            log.warning("could not confirm the last updates (%s)", type(error).__name__)


def _seconds(value: int | timedelta) -> float:
    """RetryAfter.retry_after as seconds (PTB gives an int or a timedelta)."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _retrieve(task: asyncio.Future[tuple[Update, ...]]) -> None:
    """Take a finished task's outcome, so asyncio does not report it as never retrieved."""
    if not task.cancelled():
        task.exception()
