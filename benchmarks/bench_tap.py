"""Section tap: what a rating and /history cost, by how long the person's history is.

    python benchmarks/bench_tap.py [--quick] [--pg-url URL | --no-pg] [--source CHECKOUT]

For people with 0, 3,000 (a year of eight practices) and 30,000 check-ins each, a fresh
process (`tap_probe.py`) builds the database and measures the milestone step of a rating
on its own (`after_check_in`, in-process), then the real `attune run` handling, one person
at a time, a rating tap, /history and its Older page: latency and the bot's CPU per update.
Target: a rating at 30,000 within 1.5x of one at 0, and under 5 ms of CPU.

`--source` runs the probe and the bot from another checkout (older code, for before-and-
after figures); its database is built with that checkout's migrations.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench_common import Table, median, run_child
from bench_data import sqlite_url

SIZES = (0, 3_000, 30_000)
SHOWN = {"rate": "rating tap", "history": "/history", "older": "Older page"}


async def run(
    backends: Sequence[tuple[str, str]], work: Path, *, quick: bool, source: Path | None = None
) -> list[Table]:
    """Every size on every backend: the milestone step alone, then the real updates."""
    # Sixty people: the bot's CPU is counted in 10 ms ticks, so a total over 60 updates
    # reads to 0.17 ms an update.
    people, runs = (8, 10) if quick else (60, 30)
    step = Table(
        f"tap: a rating's milestone step alone (after_check_in, in-process; median of {runs})",
        ["backend", "check-ins", "ms", "CPU ms"],
    )
    real = Table(
        f"tap: through the real bot, {people} people one at a time (polling)",
        ["update", "backend", "check-ins", "p50 ms", "max ms", "CPU ms/update",
         "API calls/update"],
    )  # fmt: skip
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for backend, url in backends:
        url = url.replace("bench.db", "tap.db")
        for size in SIZES:
            got = await _measure(url, size, people, runs, work, source)
            found[backend, size] = got
            step.add(backend, size, got["step"]["wall_ms"], got["step"]["cpu_ms"])
    for kind, shown in SHOWN.items():
        for (backend, size), got in found.items():
            if kind in got:
                latency = got[kind]["latency_ms"]
                real.add(shown, backend, size, median(latency), max(latency),
                         got[kind]["cpu_ms"], got[kind]["calls"])  # fmt: skip
    step.notes += [
        "a new check-in of a person with that many before it; rolled back after each run",
        "CPU: this process's (SQLite's work included, PostgreSQL's not)",
    ]
    real.notes += [
        "latency: from the tap (or message) to the bot's last Bot API call for it",
        "CPU: the `attune run` process's own, all threads (not PostgreSQL's)",
        "every person has reached the firsts and the totals of their history, so no rating"
        " celebrates: the sizes differ in history only",
        "target: a rating tap at 30,000 within 1.5x of one at 0, under 5 ms of CPU",
    ]
    return [step, real]


async def _measure(
    url: str, size: int, people: int, runs: int, work: Path, source: Path | None
) -> dict[str, Any]:
    """One probe run in a fresh process (from `source`, if given)."""
    env = None if source is None else {**os.environ, "PYTHONPATH": str(source)}
    args = [f"--url={url}", f"--history={size}", f"--people={people}", f"--runs={runs}"]
    return await asyncio.to_thread(
        run_child, "tap_probe.py", *args, f"--work={work}", timeout=1800, env=env
    )


async def main(args: argparse.Namespace) -> None:
    """The section on its own: SQLite, and PostgreSQL when it answers."""
    from dispatch import machine, reachable  # as the full benchmark does

    pg_url = args.pg_url if not args.no_pg and await reachable(args.pg_url) else None
    (await machine(pg_url)).print()
    with tempfile.TemporaryDirectory(prefix="attune-tap-") as folder:
        work = Path(folder)
        backends = [("sqlite", sqlite_url(work / "bench.db"))]
        if pg_url:
            backends.append(("postgresql", pg_url))
        for table in await run(backends, work, quick=args.quick, source=args.source):
            table.print()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer people and runs")
    parser.add_argument(
        "--pg-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/attune_bench"
    )
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--source", type=Path, help="measure the code of this checkout")
    asyncio.run(main(parser.parse_args(sys.argv[1:])))
