"""The broadcast section's child process: one popular minute, printed as one JSON line.

    python benchmarks/broadcast_probe.py --url URL --root-url ROOT --emulator-pid PID \\
        [--paid --daily-stars 20000]

One measured `Dispatcher.tick` sends every due prompt as `attune run` would: the real
`Dispatcher`, `TelegramSender` and PTB `ExtBot` over `bot.http.AiohttpRequest`, with the
app's `ChatRateLimiter` at the default limits (25 a second free, 950 paid) and, with
--paid, the app's `PaidBudget` over the same database. The emulator keeps Telegram's
limits in its own process. Figures: wall time, this process's CPU and the emulator's, the
Stars Attune counted (its metric) and the Stars the emulator charged (getMyStarBalance
before and after).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import timedelta
from typing import Any

from bench_common import NOW, cpu_seconds_of, peak_rss_mb
from pipeline_probe import make_application

from bot.api_probe import star_balance
from bot.metrics import Metrics
from bot.paid_broadcast import PaidBudget
from bot.rate_limit import ChatRateLimiter
from bot.sender import TelegramSender
from bot.settings import Settings
from scheduler.dispatch import Dispatcher
from store.db import create_engine, session_factory

# The app's defaults, as bot/settings.py has them.
DEFAULTS = Settings(_env_file=None)  # type: ignore[call-arg]


async def probe(args: argparse.Namespace) -> dict[str, Any]:
    """Send one popular minute's prompts and gather the figures."""
    metrics = Metrics()
    engine = create_engine(args.url)
    sessions = session_factory(engine)
    budget = None
    if args.paid:
        budget = PaidBudget(daily_stars=args.daily_stars, clock=lambda: NOW, events=metrics)
        budget.open(sessions)
    limiter = ChatRateLimiter(
        overall_rate=DEFAULTS.rate_limit,
        chat_rate=DEFAULTS.chat_rate_limit,
        max_retries=3,
        budget=budget,
        paid_rate=DEFAULTS.paid_broadcast_rate,
    )
    app = make_application(args.root_url, "aiohttp", limiter)
    await app.bot.initialize()
    sender = TelegramSender(app.bot, paid_broadcast=args.paid)
    dispatcher = Dispatcher(sessions, sender, grace=timedelta(hours=1), events=metrics)
    try:
        balance_before = await star_balance(app.bot)
        emulator_before = cpu_seconds_of(args.emulator_pid)
        cpu, wall, started = time.process_time(), time.perf_counter(), time.time()
        report = await dispatcher.tick(NOW)
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
        emulator_cpu = cpu_seconds_of(args.emulator_pid) - emulator_before
        charged = balance_before - await star_balance(app.bot)
        if budget is not None:
            await budget.close()
    finally:
        await app.bot.shutdown()
        await engine.dispose()
    counted = metrics.registry.get_sample_value("attune_paid_broadcast_stars_total") or 0.0
    return {
        "sent": report.sent,
        "failed": report.failed,
        "started": started,
        "wall": wall,
        "cpu": cpu,
        "emulator_cpu": emulator_cpu,
        "stars_counted": round(counted, 1),
        "stars_charged": float(charged),
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    """Parse the arguments, measure, print one JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--root-url", required=True)
    parser.add_argument("--emulator-pid", type=int, required=True)
    parser.add_argument("--paid", action="store_true")
    parser.add_argument("--daily-stars", type=float, default=0.0)
    print(json.dumps(asyncio.run(probe(parser.parse_args()))))


if __name__ == "__main__":
    main()
