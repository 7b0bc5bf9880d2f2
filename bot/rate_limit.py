"""Telegram's limits: PTB's AIORateLimiter, plus the per-private-chat limit it lacks."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

# Methods that put a new message in a chat; Telegram allows about one a second per chat.
_SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
# Keep this many idle per-chat limiters at most before pruning the full ones.
_PRUNE_AT = 4096


class ChatRateLimiter(AIORateLimiter):
    """AIORateLimiter (overall rate, group rate, 429 retries) with a per-private-chat rate.

    PTB only limits group chats individually; a burst of prompts to one person (several
    rituals at 22:00) would otherwise leave at the overall rate.
    """

    def __init__(self, *, overall_rate: float, chat_rate: float, max_retries: int) -> None:
        super().__init__(
            overall_max_rate=overall_rate, overall_time_period=1, max_retries=max_retries
        )
        self._chat_rate = chat_rate
        self._chats: dict[int, AsyncLimiter] = {}

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        if len(self._chats) > _PRUNE_AT:
            # A limiter at full capacity has been idle long enough to forget.
            for key, limiter in list(self._chats.items()):
                if limiter.has_capacity(limiter.max_rate):
                    del self._chats[key]
        if chat_id not in self._chats:
            # One message per 1/rate seconds, with no burst allowance.
            self._chats[chat_id] = AsyncLimiter(1, 1 / self._chat_rate)
        return self._chats[chat_id]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for the chat's turn (private chats, new messages only), then as PTB does."""
        chat_id = data.get("chat_id")
        if endpoint in _SENDS and isinstance(chat_id, int) and chat_id > 0:
            async with self._chat_limiter(chat_id):
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
