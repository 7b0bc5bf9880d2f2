"""Telegram's limits: an even overall pace, one message a second per private chat.

PTB's AIORateLimiter keeps its 429 retries (waiting `retry_after`) and its group limits,
but two of its behaviours break Telegram's limits, as benchmarks/dispatch.py measured:
its overall bucket holds `rate` tokens, so after a lull up to twice the rate leaves within
one second; and it has no per-private-chat limit at all. So a request here leaves only
when the last `rate` requests left more than 1.02 s ago (a sliding window with 20 ms to
spare for jitter) and at least 0.9/rate s after the one before, in arrival order; and a
private chat's turn is stamped when its message actually leaves.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import AIORateLimiter

_SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
_PRUNE_AT = 4096  # forget idle chats once this many are known


@dataclass
class _ChatTurn:
    """One chat's lock and when its last message left (loop time)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last: float = float("-inf")


class ChatRateLimiter(AIORateLimiter):
    """Evenly spaced requests overall, at least 1/chat_rate s apart per private chat."""

    def __init__(self, *, overall_rate: float, chat_rate: float, max_retries: int) -> None:
        # PTB's overall bucket is replaced by the spacing below; its group limit stays.
        super().__init__(overall_max_rate=0, max_retries=max_retries)
        self._window: deque[float] = deque(maxlen=max(1, math.floor(overall_rate)))
        self._period = 1.02  # seconds the window spans: 1 s plus room for jitter
        self._min_gap = 0.9 / overall_rate
        self._chat_gap = 1 / chat_rate
        self._gate = asyncio.Lock()  # FIFO: requests leave in the order they arrived
        self._last_left = float("-inf")
        self._chats: dict[int, _ChatTurn] = {}

    def _chat(self, chat_id: int) -> _ChatTurn:
        if len(self._chats) > _PRUNE_AT:
            now = asyncio.get_running_loop().time()
            for key, turn in list(self._chats.items()):
                if not turn.lock.locked() and turn.last + self._chat_gap <= now:
                    del self._chats[key]
        return self._chats.setdefault(chat_id, _ChatTurn())

    async def _leave_in_turn(self) -> None:
        """Wait until leaving keeps every window of `period` s within `rate` requests."""
        async with self._gate:
            loop = asyncio.get_running_loop()
            ready = self._last_left + self._min_gap
            if len(self._window) == self._window.maxlen:
                ready = max(ready, self._window[0] + self._period)
            await _sleep_until(loop, ready)
            self._last_left = loop.time()
            self._window.append(self._last_left)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Private sends: the chat's turn, then a slot; other requests with a chat: a slot."""
        chat_id = data.get("chat_id")
        if endpoint in _SENDS and isinstance(chat_id, int) and chat_id > 0:
            turn = self._chat(chat_id)
            async with turn.lock:
                loop = asyncio.get_running_loop()
                await _sleep_until(loop, turn.last + self._chat_gap)
                await self._leave_in_turn()
                turn.last = loop.time()
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
        if chat_id is not None:
            await self._leave_in_turn()
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


async def _sleep_until(loop: asyncio.AbstractEventLoop, moment: float) -> None:
    """Wait until the loop's clock reaches `moment`, and not at all once it has: a sleep of
    0 still yields to the loop, which at hundreds of sends a second costs CPU for nothing
    (and, under the gate, makes every other request queue behind it)."""
    delay = moment - loop.time()
    if delay > 0:
        await asyncio.sleep(delay)
