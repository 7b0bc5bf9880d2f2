"""A per-person limit on incoming updates, so one person's flood can't crowd out others.

Replies share the bot's overall send rate with prompts; without this, a script sending
hundreds of commands would delay everyone's prompts. Updates are counted when they reached
Telegram (bot.intake says why), not when they are handled. Counting lives in memory only:
it is a rate limit, not data about anyone.
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

    def check(self, person: int, *, waited: float = 0.0) -> tuple[bool, bool]:
        """(allowed, warn) for an update that arrived `waited` seconds ago; warn is True
        once per window for a person who is refused."""
        now = self._clock() - waited
        if len(self._seen) > _SWEEP_AT:
            self._sweep(now)
        times = self._seen.setdefault(person, deque())
        if times:
            # Telegram's stamps are whole seconds: none arrived before the one counted last.
            now = max(now, times[-1])
        while times and now - times[0] >= self._window:
            times.popleft()
        if len(times) < self._burst:
            times.append(now)
            return True, False
        return False, self._first_refusal(person, now)

    def refuse(self, person: int, *, waited: float = 0.0) -> bool:
        """An update refused for another reason (its chat's queue is full): True if the
        person is to be told, once per window, as for a flood."""
        return self._first_refusal(person, self._clock() - waited)

    def _first_refusal(self, person: int, now: float) -> bool:
        warned_at = self._warned.get(person)
        if warned_at is not None and now - warned_at < self._window:
            return False
        self._warned[person] = now
        return True

    def _sweep(self, now: float) -> None:
        for person, times in list(self._seen.items()):
            if not times or now - times[-1] >= self._window:
                del self._seen[person]
        for person, warned_at in list(self._warned.items()):
            if now - warned_at >= self._window:
                del self._warned[person]
