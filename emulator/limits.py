"""Telegram's overall sending limits, modelled for one bot (switched on per emulator).

What Telegram documents: bulk notifications go out at about 30 messages a second, more
gets 429 with ``retry_after`` (Bots FAQ); ``allow_paid_broadcast`` allows "up to 1000
messages per second, ignoring broadcasting limits for a fee of 0.1 Telegram Stars per
message" (sendMessage), and a paid-broadcast transaction counts "the number of successful
requests that exceeded regular limits and were therefore billed"
(TransactionPartnerTelegramApi.request_count). The model, over any one-second window:

- a send without the flag goes while fewer than 30 such sends were made (sends with the
  flag ignore the broadcasting limit: they do not use it up), else 429;
- a send with the flag goes while fewer than 1,000 sends in all were made, else 429; it is
  billed 0.1 Stars when 30 or more sends of either kind were made (it exceeds the regular
  limit), and then the bot's balance must cover it, or the request gets 400
  ``BALANCE_TOO_LOW`` (the name the MTProto API gives a Stars balance too low to pay; the
  Bot API documents no error for it).

``retry_after`` is the whole seconds until the window has room. Only methods that take
``allow_paid_broadcast`` (the send methods) count.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from emulator.errors import ApiError, bad_request

FREE_PER_SECOND = 30
PAID_PER_SECOND = 1000
NANOSTARS_PER_STAR = 1_000_000_000
PAID_MESSAGE_NANOSTARS = NANOSTARS_PER_STAR // 10  # 0.1 Stars


class SendLimits:
    """Sliding one-second windows of the sends admitted: without the flag, and in all."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        # A clock of its own: tests may freeze the emulator's message dates.
        self._clock = clock
        self._free: deque[float] = deque()
        self._all: deque[float] = deque()

    def admit(self, *, paid_allowed: bool, balance_nanostars: int) -> bool:
        """Admit one send now: False when it is free, True when it is to be billed.

        Raises the ApiError Telegram would answer: 429 past the limits, 400 when a
        billed send finds the balance too low.
        """
        now = self._clock()
        for window in (self._free, self._all):
            while window and window[0] <= now - 1.0:
                window.popleft()
        if len(self._all) >= PAID_PER_SECOND:
            raise _too_many(self._all[0] + 1.0 - now)
        if not paid_allowed:
            if len(self._free) >= FREE_PER_SECOND:
                raise _too_many(self._free[0] + 1.0 - now)
            self._free.append(now)
            self._all.append(now)
            return False
        billed = len(self._all) >= FREE_PER_SECOND
        if billed and balance_nanostars < PAID_MESSAGE_NANOSTARS:
            raise bad_request("BALANCE_TOO_LOW")
        self._all.append(now)
        return billed


def _too_many(wait: float) -> ApiError:
    seconds = max(1, math.ceil(wait))  # Telegram's retry_after is whole seconds
    return ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


def star_amount(nanostars: int) -> dict[str, int]:
    """A StarAmount object: whole Stars rounded toward zero, and the nanostars left over."""
    whole = abs(nanostars) // NANOSTARS_PER_STAR * (-1 if nanostars < 0 else 1)  # toward 0
    amount = {"amount": whole}
    rest = nanostars - whole * NANOSTARS_PER_STAR
    if rest:
        amount["nanostar_amount"] = rest
    return amount
