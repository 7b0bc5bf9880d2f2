"""Telegram's limits: an even overall pace, one message a second per private chat, and paid
broadcast past the free pace.

PTB's AIORateLimiter keeps its 429 retries (waiting `retry_after`) and its group limits,
but two of its behaviours break Telegram's limits, as benchmarks/dispatch.py measured:
its overall bucket holds `rate` tokens, so after a lull up to twice the rate leaves within
one second; and it has no per-private-chat limit at all. So a request here leaves only
when the last `rate` requests left more than 1.02 s ago (a sliding window with 20 ms to
spare for jitter) and 0.9/rate s after the one before on an even schedule (see Pace),
in arrival order; and a
private chat's turn is stamped when its message actually leaves.

A send the sender marked `allow_paid_broadcast` (a prompt, when paid broadcast is on)
takes a free slot when one is open at once and goes without the flag; otherwise, if
bot.paid_broadcast's budget has a paid message left today, it keeps the flag and leaves
at the paid pace (up to 1,000 a second, its own window, so replies keep the free one);
otherwise it waits for a free slot like any other request, without the flag. If Telegram
turns a paid send down (400: no Stars left, say), it is sent again at the free pace: if
that goes, paying was the problem, and the budget stops paying for the day.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.error import BadRequest
from telegram.ext import AIORateLimiter

from bot.paid_broadcast import PaidBudget

_SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
_PAID = "allow_paid_broadcast"
_PRUNE_AT = 4096  # forget idle chats once this many are known
_EARLY = 0.002  # s a departure may leave before its turn on the even spacing (see Pace)
# What PTB hands a rate limiter to send, and what that answers.
_Answer = bool | dict[str, Any] | list[dict[str, Any]]
_Send = Callable[..., Coroutine[Any, Any, _Answer]]


@dataclass
class _ChatTurn:
    """One chat's lock and when its last message left (loop time)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last: float = float("-inf")


class Pace:
    """At most `rate` departures in any 1.02 s, on average at least 0.9/rate s apart, in
    arrival order.

    The spacing keeps a schedule (each departure is due `min_gap` after the one before, or
    after now if that is later) and lets a departure leave up to `_EARLY` s before its
    turn on it: the event loop wakes a sleeper up to a millisecond late (epoll counts whole
    milliseconds), and a spacing counted from each actual departure loses that every time,
    about 10% of the rate at 950 a second. The window, counted from actual departures,
    still holds every 1.02 s to `rate`. A pace `within` another (the free one within the
    paid one) also counts its departures in the other's window, so the two together stay
    within the other's rate.
    """

    def __init__(self, rate: float, *, within: Pace | None = None) -> None:
        self._window: deque[float] = deque(maxlen=max(1, math.floor(rate)))
        self._period = 1.02  # seconds the window spans: 1 s plus room for jitter
        self._min_gap = 0.9 / rate
        self._gate = asyncio.Lock()  # FIFO: requests leave in the order they arrived
        self._due = float("-inf")  # when the next departure is due on the even spacing
        self._within = within
        self._queued = 0  # requests waiting in leave_in_turn

    def _ready_at(self) -> float:
        ready = self._due - _EARLY
        if len(self._window) == self._window.maxlen:
            ready = max(ready, self._window[0] + self._period)
        return ready

    @property
    def gate(self) -> asyncio.Lock:
        """Held by the request whose turn it is (asyncio's locks are FIFO)."""
        return self._gate

    def open_now(self) -> bool:
        """Whether a request could leave at once: nobody waits and the pace allows it."""
        loop = asyncio.get_running_loop()
        return not self._gate.locked() and self._ready_at() <= loop.time()

    async def leave(self) -> None:
        """Wait until leaving keeps every window of `period` s within `rate` requests, then
        leave; the caller holds `gate`."""
        loop = asyncio.get_running_loop()
        # Departures of a pace within this one may fill the window meanwhile: look again.
        while (ready := self._ready_at()) > loop.time():
            await _sleep_until(loop, ready)
        left = loop.time()
        self._due = max(self._due, left) + self._min_gap
        self._window.append(left)
        if self._within is not None:
            self._within._window.append(left)

    async def leave_in_turn(self) -> None:
        """Wait for this request's turn, then `leave`."""
        self._queued += 1
        try:
            async with self._gate:
                await self.leave()
        finally:
            self._queued -= 1

    def wait_now(self) -> float:
        """About how long a request arriving now would wait for its turn, in seconds."""
        ahead = max(0.0, self._ready_at() - asyncio.get_running_loop().time())
        return ahead + self._queued * self._min_gap


class ChatRateLimiter(AIORateLimiter):
    """Evenly spaced requests overall, at least 1/chat_rate s apart per private chat, and
    paid broadcast past the free pace while `budget` lasts (None: never paid)."""

    def __init__(
        self,
        *,
        overall_rate: float,
        chat_rate: float,
        max_retries: int,
        budget: PaidBudget | None = None,
        paid_rate: float = 950.0,
    ) -> None:
        # PTB's overall bucket is replaced by the spacing below; its group limit stays.
        super().__init__(overall_max_rate=0, max_retries=max_retries)
        # Telegram's 1,000 a second counts free messages too: the paid pace's window does.
        self._paid = Pace(paid_rate)
        self._free = Pace(overall_rate, within=self._paid)
        self._budget = budget
        self._chat_gap = 1 / chat_rate
        self._chats: dict[int, _ChatTurn] = {}

    def sends_wait(self, longer_than: float) -> bool:
        """Whether a message sent now would wait longer than that for its turn (a popular
        minute's queue)."""
        return self._free.wait_now() > longer_than

    def _chat(self, chat_id: int) -> _ChatTurn:
        if len(self._chats) > _PRUNE_AT:
            now = asyncio.get_running_loop().time()
            for key, turn in list(self._chats.items()):
                if not turn.lock.locked() and turn.last + self._chat_gap <= now:
                    del self._chats[key]
        return self._chats.setdefault(chat_id, _ChatTurn())

    async def process_request(
        self,
        callback: _Send,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> _Answer:
        """Private sends: the chat's turn, then a slot; other requests with a chat: a slot."""
        chat_id = data.get("chat_id")
        if endpoint in _SENDS and isinstance(chat_id, int) and chat_id > 0:
            turn = self._chat(chat_id)
            async with turn.lock:
                loop = asyncio.get_running_loop()
                await _sleep_until(loop, turn.last + self._chat_gap)
                paid = await self._leave(data)
                turn.last = loop.time()
                send = super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
                if not paid:
                    return await send
                try:
                    result = await send
                except BadRequest:
                    return await self._unpaid(
                        callback, args, kwargs, endpoint, data, rate_limit_args
                    )
                assert self._budget is not None  # _leave pays only with one
                self._budget.sent()
                return result
        data.pop(_PAID, None)  # paid broadcast is for prompts to people only
        if chat_id is not None:
            await self._free.leave_in_turn()
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )

    async def _leave(self, data: dict[str, Any]) -> bool:
        """Leave in turn, free or paid; True when this send pays (it keeps its flag).

        Sends that may pay queue at the paid pace's gate and choose at its head, so a free
        slot that opens while they wait is still taken.
        """
        if data.get(_PAID) and self._budget is not None:
            async with self._paid.gate:
                if not self._free.open_now() and await self._budget.take():
                    await self._paid.leave()
                    return True
        # `data` is the request PTB is about to encode (ExtBot._do_post hands the same dict
        # to the callback): a free send goes without the flag.
        data.pop(_PAID, None)
        await self._free.leave_in_turn()
        return False

    async def _unpaid(
        self,
        callback: _Send,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> _Answer:
        """A paid send Telegram turned down with 400, again at the free pace without the
        flag. If it goes, paying was what Telegram refused (its Stars balance is spent, or
        the bot may not pay): no more paid sends today. If not, its error is the answer."""
        assert self._budget is not None
        del data[_PAID]
        await self._free.leave_in_turn()
        result = await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
        await self._budget.refused()
        return result


async def _sleep_until(loop: asyncio.AbstractEventLoop, moment: float) -> None:
    """Wait until the loop's clock reaches `moment`, and not at all once it has: a sleep of
    0 still yields to the loop, which at hundreds of sends a second costs CPU for nothing
    (and, under the gate, makes every other request queue behind it)."""
    delay = moment - loop.time()
    if delay > 0:
        await asyncio.sleep(delay)
