"""A per-person limit on incoming updates, so one person's flood can't crowd out others.

Replies share the bot's overall send rate with prompts; without this, a script sending
hundreds of commands would delay everyone's prompts. Counting lives in memory only: it
is a rate limit, not data about anyone.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

# Stale entries are swept once this many people are being tracked.
_SWEEP_AT = 10_000


class FloodGuard:
    """Allows at most `burst` updates per person in any `window` seconds."""

    def __init__(
        self, *, burst: int = 30, window: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._burst = burst
        self._window = window
        self._clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def check(self, person: int) -> tuple[bool, bool]:
        """(allowed, warn): warn is True once per window for a person who is refused."""
        now = self._clock()
        if len(self._seen) > _SWEEP_AT:
            self._sweep(now)
        times = self._seen.setdefault(person, deque())
        while times and now - times[0] >= self._window:
            times.popleft()
        if len(times) < self._burst:
            times.append(now)
            return True, False
        warned_at = self._warned.get(person)
        if warned_at is not None and now - warned_at < self._window:
            return False, False
        self._warned[person] = now
        return False, True

    def _sweep(self, now: float) -> None:
        for person, times in list(self._seen.items()):
            if not times or now - times[-1] >= self._window:
                del self._seen[person]
                self._warned.pop(person, None)
