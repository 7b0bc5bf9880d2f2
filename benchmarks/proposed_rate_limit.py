"""A prototype of the rate-limiter change the benchmark recommends; the app does not use it.

`bot.rate_limit.ChatRateLimiter` takes a chat's turn first and then waits in PTB's
overall leaky bucket. Measured by the limit section, that breaks both limits:

- the bucket holds 30 tokens, so after a lull 30 requests leave at once and 30 more in the
  next second: up to 60 in one second;
- a chat's turn is taken before the wait for the overall bucket, and that wait varies, so
  two messages to one chat can leave 0.03 s apart.

`ProposedChatRateLimiter` spaces requests evenly instead (at least 1/rate s apart plus a 2 %
margin, measured from when the previous one left, so the jitter between here and Telegram cannot fit rate + 1 into one second;
in arrival order: no bursts, first come first served), and stamps a
chat's turn when its message actually leaves, holding the chat's lock meanwhile. 429
retries stay PTB's.
"""

from __future__ import annotations

import asyncio
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


class ProposedChatRateLimiter(AIORateLimiter):
    """Evenly spaced requests overall, at least 1/chat_rate s apart per private chat."""

    def __init__(self, *, overall_rate: float, chat_rate: float, max_retries: int) -> None:
        # PTB's overall bucket is replaced by the spacing below; its group limit stays.
        super().__init__(overall_max_rate=0, max_retries=max_retries)
        self._spacing = 1.02 / overall_rate
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
        """Leave at least `spacing` after the request before, in arrival order."""
        async with self._gate:
            loop = asyncio.get_running_loop()
            await asyncio.sleep(max(0.0, self._last_left + self._spacing - loop.time()))
            self._last_left = loop.time()

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
                await asyncio.sleep(max(0.0, turn.last + self._chat_gap - loop.time()))
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
