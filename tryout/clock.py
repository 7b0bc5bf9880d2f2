"""The simulated clock of `attune try`: real time flows on, and `/wait` moves it ahead."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta


class SimulatedClock:
    """Now, as the session lives it: `start` plus the real time since, plus every jump.

    It flows rather than standing still between waits, so what people do has a real order
    in time (the flood guard and Telegram's message stamps count it) and a snooze of a few
    minutes comes back on its own. It never goes back.
    """

    def __init__(self, start: datetime, *, timer: Callable[[], float] = time.monotonic) -> None:
        self._start = start
        self._timer = timer
        self._origin = timer()

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=self._timer() - self._origin)

    def jump_to(self, moment: datetime) -> None:
        """Move ahead to `moment`; a moment already past changes nothing."""
        now = self()
        if moment > now:
            self._start += moment - now

    def timestamp(self) -> float:
        """Now as Unix time, for the emulator's message stamps."""
        return self().timestamp()
