"""The startup section's child process: start one design, print time and memory as JSON.

    python benchmarks/startup_probe.py attune --url URL --root-url ROOT
    python benchmarks/startup_probe.py jobqueue --url URL

`attune` builds the real application (`bot.app.build_application`), initialises it
(getMe) and opens its services (`bot.app.open_services`: texts, engine, migrations,
session factory, menu, APScheduler with its one dispatch job), then waits for the first
dispatch tick, which finds nothing due. `jobqueue` is the common alternative: read every
subscription and register one PTB `JobQueue.run_daily` job for each, then start the
job queue. Time and RSS are measured from after the imports.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
from datetime import time as wall_time
from typing import Any
from zoneinfo import ZoneInfo

from bench_common import NOW, TOKEN, peak_rss_mb, rss_mb
from bench_data import keyring_url
from pydantic import SecretStr
from sqlalchemy import select
from telegram.ext import ApplicationBuilder, CallbackContext

from bot.app import build_application, close_services, open_services, stop_services
from bot.data_key import load_data_key
from bot.settings import Settings
from store.crypto import new_key
from store.db import create_engine, session_factory
from store.models import Subscription, User


async def start_attune(url: str, root_url: str) -> None:
    """Everything `attune run` starts before polling, up to the first (empty) dispatch."""
    settings = Settings.model_validate(
        {
            "TELEGRAM_BOT_TOKEN": SecretStr(TOKEN),
            "TELEGRAM_API_BASE_URL": root_url,
            "DATABASE_URL": url,
            "ATTUNE_DATA_KEY": SecretStr(new_key()),
            "ATTUNE_KEYRING_URL": SecretStr(keyring_url(url)),
        }
    )
    app = build_application(settings, data_key=load_data_key(settings), clock=lambda: NOW)
    await app.initialize()
    await open_services(app)
    services = app.bot_data.services
    assert services.dispatch is not None
    while services.dispatch.last_run is None:  # noqa: ASYNC110 - the first tick runs at once
        await asyncio.sleep(0.001)
    measured.append((time.perf_counter(), rss_mb()))
    await stop_services(app, within=5)
    await app.shutdown()
    await close_services(app)


async def _remind(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """What a per-subscription job would do (never runs here)."""


async def start_jobqueue(url: str) -> None:
    """One `run_daily` job per subscription, registered at start, then the queue started."""
    app = ApplicationBuilder().token(TOKEN).updater(None).build()
    job_queue = app.job_queue
    assert job_queue is not None
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        rows = (
            await session.execute(
                select(Subscription.id, Subscription.local_time, Subscription.weekdays,
                       User.timezone).join(User)
            )
        ).all()  # fmt: skip
    await engine.dispose()
    zones: dict[str, ZoneInfo] = {}
    for sub_id, local_time, weekdays, zone_name in rows:
        zone = zones.setdefault(zone_name, ZoneInfo(zone_name))
        hour, minute = (int(part) for part in local_time.split(":"))
        job_queue.run_daily(
            _remind,
            wall_time(hour, minute, tzinfo=zone),
            days=tuple(sorted((int(day) + 1) % 7 for day in weekdays)),  # PTB: 0 is Sunday
            data=sub_id,
            name=f"subscription:{sub_id}",
        )
    await job_queue.start()
    measured.append((time.perf_counter(), rss_mb()))
    await job_queue.stop(wait=False)


measured: list[tuple[float, float]] = []


def main() -> None:
    """Measure one start and print {seconds, rss_growth_mb, rss_mb, peak_rss_mb}."""
    parser = argparse.ArgumentParser()
    parser.add_argument("design", choices=("attune", "jobqueue"))
    parser.add_argument("--url", required=True)
    parser.add_argument("--root-url", default="")
    args = parser.parse_args()
    gc.collect()
    before, started = rss_mb(), time.perf_counter()
    if args.design == "attune":
        asyncio.run(start_attune(args.url, args.root_url))
    else:
        asyncio.run(start_jobqueue(args.url))
    done, after = measured[0]
    print(
        json.dumps(
            {
                "seconds": done - started,
                "rss_growth_mb": after - before,
                "rss_mb": after,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


if __name__ == "__main__":
    main()
