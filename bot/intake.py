"""Taking updates from Telegram: counted as they arrive, handled in order per chat, and
confirmed to Telegram only once handled.

Arriving. An update is counted against its sender's fair share (bot.flood) the moment it
arrives, before it waits for anything, then queued behind its chat's earlier updates; a
chat has at most QUEUE_LIMIT not yet handled. Beyond either limit the update is dropped and the
person told once, kindly. Words of danger are never dropped for the fair share and have
room of their own in the queue, so their answer always comes. The time counted is the one
Telegram stamped on the message when it arrived there: with a webhook, Telegram sends a
chat's updates one at a time, each once the one before was answered, so a burst reaches
the bot only as fast as it is handled, and only the stamps show it was a burst.

Handling. Each chat's updates are handled one after the other, in order; different chats
in parallel, so a chat whose replies wait their turn (one message a second per chat) holds
up no one else.

Confirming. PTB's own Updater confirms polled updates (by asking for the next offset) as
soon as it has queued them, and its webhook server answers 200 before handlers run: a crash
then loses whatever was queued. Here long polling asks for the offset of the oldest update
not yet handled, so Telegram keeps everything from there and sends it again after a crash;
the webhook (bot.web) answers 200 once its update was handled. A crash can lose nothing
Telegram sent; it can handle again what was handled but not yet confirmed (in polling at
most one getUpdates' worth, 100 updates; with a webhook, the requests in flight). The
README says what that means.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from telegram import Bot, Update
from telegram.error import Conflict, NetworkError, RetryAfter, TelegramError

from bot.flood import FloodGuard
from bot.webhook_reply import ReplySlot, carrying

log = logging.getLogger(__name__)

# Everything a handler is registered for; Telegram sends nothing else.
ALLOWED_UPDATES: Final = ("message", "edited_message", "callback_query", "my_chat_member")

# A chat's updates taken and not yet handled, at most (and as many again with words of
# danger): five seconds of replies at one message a second per chat. Small, because in
# polling the oldest update not yet handled holds back the offset confirmed to Telegram,
# and Telegram hands out at most 100 updates from there (see the README).
QUEUE_LIMIT: Final = 5

# How long one long poll waits for updates (seconds).
LONG_POLL: Final = 10

# While an update taken is not yet handled, Telegram answers a poll at once (with the
# unconfirmed ones), so a long poll is not possible: ask again once all are handled, or
# after this long (seconds) if some take longer.
BUSY_POLL: Final = 0.1

# After a failed poll, wait this long before the next (doubling, up to the maximum).
_RETRY_FIRST, _RETRY_MAX = 0.5, 30.0


@dataclass(eq=False)
class _Queued:
    """An update taken, the future that is done once it was handled, and the webhook answer's
    slot its handlers may fill (bot.webhook_reply)."""

    update: Update
    urgent: bool
    handled: asyncio.Future[None]
    reply: ReplySlot | None


@dataclass(eq=False)
class _Chat:
    """One chat's updates taken and not yet handled, the one being handled first."""

    waiting: deque[_Queued] = field(default_factory=deque)
    urgent: int = 0  # how many of those carry words of danger


class UpdateIntake:
    """Counts updates as they arrive, then hands them to the application: per chat in order,
    chats in parallel."""

    def __init__(
        self,
        process: Callable[[Update], Awaitable[None]],
        *,
        flood: FloodGuard,
        urgent: Callable[[Update], bool],
        slow_down: Callable[[Update], Awaitable[None]],
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._process = process
        self._flood = flood
        self._urgent = urgent
        self._slow_down = slow_down
        self._wall = wall  # the clock Telegram's stamps are compared with
        self._chats: dict[int, _Chat] = {}
        self._tasks: set[asyncio.Task[None]] = set()  # chats being handled, kind words

    def accept(
        self, update: Update, reply: ReplySlot | None = None
    ) -> asyncio.Future[None] | None:
        """Take an update as it arrives. Returns a future that is done once the update was
        handled (cancelled if a stop came first), or None if it was dropped. `reply` is the
        slot in the webhook's answer its handlers may fill."""
        urgent = self._urgent(update)
        waited = _waited(update, self._wall())
        person = update.effective_user
        if person is not None and not urgent:
            allowed, warn = self._flood.check(person.id, waited=waited)
            if not allowed:
                self._drop(update, warn=warn)
                return None
        key = _chat_key(update)
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = _Chat()
            self._start(self._handle_chat(key, chat))
        elif (chat.urgent if urgent else len(chat.waiting) - chat.urgent) >= QUEUE_LIMIT:
            warn = person is not None and self._flood.refuse(person.id, waited=waited)
            self._drop(update, warn=warn)
            return None
        queued = _Queued(update, urgent, asyncio.get_running_loop().create_future(), reply)
        chat.waiting.append(queued)
        chat.urgent += urgent
        return queued.handled

    async def finish(self, *, within: float) -> None:
        """Let the updates taken be handled (up to `within` seconds), then give up on the
        rest: what was not handled is not confirmed, so Telegram sends it again."""
        tasks = set(self._tasks)
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=within)
        for task in late:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _handle_chat(self, key: int, chat: _Chat) -> None:
        """Handle a chat's updates in order until none is waiting."""
        try:
            while chat.waiting:
                queued = chat.waiting[0]
                try:
                    # Set here, not by the webhook: one task handles a chat's updates in turn,
                    # so a context copied when the task began would hold an earlier slot.
                    with carrying(queued.reply):
                        await self._process(queued.update)
                except Exception as error:
                    # PTB hands handlers' errors to on_error: this is its own. The update is
                    # done with all the same, or its chat (and the polled offset) would stall.
                    log.error("an update could not be handled: %s", type(error).__name__)
                chat.waiting.popleft()
                chat.urgent -= queued.urgent
                queued.handled.set_result(None)
        finally:
            del self._chats[key]
            for left in chat.waiting:  # stopped before they were handled
                left.handled.cancel()

    def _drop(self, update: Update, *, warn: bool) -> None:
        """Drop an update; tell the person kindly, once a burst (`warn`)."""
        if warn:
            self._start(self._tell_slow_down(update))

    async def _tell_slow_down(self, update: Update) -> None:
        try:
            await self._slow_down(update)
        except TelegramError as error:
            log.warning("could not ask a person to slow down: %s", type(error).__name__)

    def _start(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _chat_key(update: Update) -> int:
    """The chat an update belongs to (its sender's, failing that); 0 for neither."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


def _waited(update: Update, now: float) -> float:
    """Seconds since the update reached Telegram, by the stamp Telegram put on it (whole
    seconds); 0 for a button press, which carries no stamp of its own."""
    stamp = None
    if update.message is not None:
        stamp = update.message.date
    elif update.edited_message is not None:
        stamp = update.edited_message.edit_date or update.edited_message.date
    elif update.my_chat_member is not None:
        stamp = update.my_chat_member.date
    if stamp is None:
        return 0.0
    return max(0.0, now - stamp.timestamp())


class Poller:
    """Long polling that confirms an update only once it, and every update before it, was
    handled; updates keep being taken meanwhile."""

    def __init__(self, bot: Bot, intake: UpdateIntake) -> None:
        self._bot = bot
        self._intake = intake
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()  # a stop, or every update taken was handled
        self._newest: int | None = None  # the newest update taken
        self._unhandled: set[int] = set()  # taken, not yet handled

    def stop(self) -> None:
        """Take no more updates (those taken are handled: UpdateIntake.finish)."""
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        """Poll and take updates until stopped; a bad token ends it with InvalidToken."""
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
            for update in updates:
                self._take(update)
            if self._unhandled:
                await self._while_handling()

    async def confirm(self) -> None:
        """Tell Telegram which updates were handled (everything before the oldest that was
        not), so a restart repeats none of them. Call once polling and handling are over."""
        offset = self._offset()
        if offset is None:
            return
        try:
            await self._bot.get_updates(
                offset=offset, timeout=0, limit=1, allowed_updates=list(ALLOWED_UPDATES)
            )
        except TelegramError as error:
            # Those updates are then handled again after a restart: repeated, not lost.
            log.warning("could not confirm the last updates (%s)", type(error).__name__)

    def _take(self, update: Update) -> None:
        if self._newest is not None and update.update_id <= self._newest:
            return  # taken from an earlier answer, and not yet confirmed
        self._newest = update.update_id
        handled = self._intake.accept(update)
        if handled is not None:
            self._unhandled.add(update.update_id)
            handled.add_done_callback(functools.partial(self._handled, update.update_id))

    def _handled(self, update_id: int, handled: asyncio.Future[None]) -> None:
        if not handled.cancelled():  # cancelled by a stop: it stays unconfirmed
            self._unhandled.discard(update_id)
            if not self._unhandled:
                self._wake.set()

    async def _while_handling(self) -> None:
        """Wait until every update taken was handled, a stop, or BUSY_POLL seconds."""
        self._wake.clear()
        if self._stopping.is_set() or not self._unhandled:
            return
        with suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), BUSY_POLL)

    def _offset(self) -> int | None:
        """The oldest update not yet handled, else the one after the newest taken."""
        if self._unhandled:
            return min(self._unhandled)
        return None if self._newest is None else self._newest + 1

    async def _next_batch(self) -> tuple[Update, ...] | None:
        """The next batch, or None if stop() came first (that poll is abandoned: what it
        would have returned stays unconfirmed, so Telegram sends it again)."""
        poll = asyncio.ensure_future(
            self._bot.get_updates(
                offset=self._offset(),
                timeout=0 if self._unhandled else LONG_POLL,
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


def _seconds(value: int | timedelta) -> float:
    """RetryAfter.retry_after as seconds (PTB gives an int or a timedelta)."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _retrieve(task: asyncio.Future[tuple[Update, ...]]) -> None:
    """Take a finished task's outcome, so asyncio does not report it as never retrieved."""
    if not task.cancelled():
        task.exception()
