"""Prometheus metrics: what the bot does, as counts; no label ever names a person.

Labels carry only small fixed vocabularies (a reason, an HTTP status), never a user,
a chat, a ritual or any text. Each process counts its own work, so behind several
replicas Prometheus sums the counters; the active-people gauge is read from the shared
database and is the same on every replica (take its max, not its sum).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.paid_broadcast import STARS_PER_MESSAGE

CONTENT_TYPE = CONTENT_TYPE_LATEST

# From "on time" to "well into the grace period": where a lag ends up says whether the
# bot keeps up with an evening rush (seconds).
_LAG_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600)

# The database is asked for the active-people count at most this often (seconds), so a
# tight scrape interval costs nothing.
_ACTIVE_TTL = 60.0


class Metrics:
    """The bot's metrics in a registry of their own (so several apps can share a process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._sent = Counter(
            "attune_prompts_sent", "Prompts delivered to Telegram.", registry=self.registry
        )
        self._skipped = Counter(
            "attune_prompts_skipped",
            "Prompts not sent, by reason (too_late: past the grace period after downtime;"
            " consent_outdated: waiting for the person to agree to the current text;"
            " withdrawn: its ritual was off or paused, or its person blocked, when claimed).",
            ["reason"],
            registry=self.registry,
        )
        self._failed = Counter(
            "attune_prompts_failed",
            "Prompts Telegram did not take, by reason (blocked, or the error's kind).",
            ["reason"],
            registry=self.registry,
        )
        self._lag = Histogram(
            "attune_dispatch_lag_seconds",
            "From a prompt's due time to its delivery.",
            buckets=_LAG_BUCKETS,
            registry=self.registry,
        )
        self._check_ins = Counter(
            "attune_checkins_received", "Ratings received (first taps).", registry=self.registry
        )
        self._api_errors = Counter(
            "attune_bot_api_errors",
            "Bot API requests that failed, by HTTP status (or network, timeout).",
            ["code"],
            registry=self.registry,
        )
        self._paid_stars = Counter(
            "attune_paid_broadcast_stars",
            "Telegram Stars spent on paid broadcast: 0.1 per prompt sent paid, past the free"
            " rate (at most what Telegram charges: it bills only sends past its own limit).",
            registry=self.registry,
        )
        self._active = Gauge(
            "attune_active_people_7d",
            "People with a check-in in the last 7 days (all replicas: one database).",
            registry=self.registry,
        )
        self._active_read_at: float | None = None

    def prompt_sent(self, lag: timedelta) -> None:
        """A prompt went out `lag` after it was due."""
        self._sent.inc()
        self._lag.observe(max(lag.total_seconds(), 0.0))

    def prompts_skipped(self, reason: str, count: int) -> None:
        """`count` prompts were not sent, for `reason`."""
        if count:
            self._skipped.labels(reason=reason).inc(count)

    def prompt_failed(self, reason: str) -> None:
        """Telegram did not take a prompt."""
        self._failed.labels(reason=reason).inc()

    def paid_message_sent(self) -> None:
        """A prompt went out paid."""
        self._paid_stars.inc(STARS_PER_MESSAGE)

    def check_in_received(self) -> None:
        """Someone rated a prompt for the first time."""
        self._check_ins.inc()

    def api_error(self, code: str) -> None:
        """A Bot API request failed with this status (or 'network' / 'timeout')."""
        self._api_errors.labels(code=code).inc()

    async def render(self, active_people: Callable[[], Awaitable[int]]) -> bytes:
        """The exposition text; `active_people` is asked at most once a minute."""
        read_at = self._active_read_at
        if read_at is None or time.monotonic() - read_at >= _ACTIVE_TTL:
            self._active.set(await active_people())
            self._active_read_at = time.monotonic()
        return generate_latest(self.registry)
