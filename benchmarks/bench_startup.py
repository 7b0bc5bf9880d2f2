"""Section startup: time and memory to start, with 0 and with 100k subscriptions.

Attune's design keeps what is due in the database and runs one APScheduler interval job,
so starting should not grow with the number of people. The common alternative, one PTB
`JobQueue.run_daily` job per subscription registered at start, is measured alongside.
Each start runs in a fresh process (`startup_probe.py`), so RSS figures are clean; nothing
is due (subscriptions fall due over the coming week).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from bench_common import Table, emulator_process, run_child
from bench_data import People, build


def _people(subscriptions: int) -> list[People]:
    # Two rituals per person, none due now.
    return [People(users=subscriptions // 2, per_user=2, due_every=0)] if subscriptions else []


async def run(backends: Sequence[tuple[str, str]], work: Path, *, quick: bool) -> Table:
    """Attune with 0 and 100k subscriptions per backend; JobQueue with 10k (and 100k)."""
    table = Table(
        "startup: time and memory to start the scheduler side (fresh process each)",
        ["design", "backend", "subscriptions", "start s", "RSS growth MB", "RSS MB"],
    )
    with emulator_process() as emu:
        for backend, url in backends:
            url = url.replace("bench.db", "startup.db")
            for count in (0, 100_000):
                await build(url, *_people(count))
                got = await _child("attune", f"--url={url}", f"--root-url={emu.root_url}")
                table.add("attune (1 interval job)", backend, count, *got)
    sqlite = backends[0][1].replace("bench.db", "startup.db")
    for count in (10_000,) if quick else (10_000, 100_000):
        await build(sqlite, *_people(count))
        got = await _child("jobqueue", f"--url={sqlite}")
        table.add("JobQueue.run_daily per subscription", "sqlite", count, *got)
    table.notes.append(
        "attune: build_application + initialize (getMe) + open_services (migrate, menu,"
        " scheduler) + first dispatch tick"
    )
    table.notes.append("RSS growth: from after the imports to started")
    table.notes.append("target (attune, 100k): start <= 2 s, RSS <= 50 MB more than with 0")
    return table


async def _child(design: str, *args: str) -> tuple[float, float, float]:
    got = await asyncio.to_thread(run_child, "startup_probe.py", design, *args)
    return float(got["seconds"]), float(got["rss_growth_mb"]), float(got["rss_mb"])
