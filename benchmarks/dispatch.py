"""How fast Attune gets prompts out, and what it costs: the figures behind performance claims.

    make bench                                   # everything (about 17 minutes)
    .venv/bin/python benchmarks/dispatch.py --quick          # smaller sizes, shorter runs
    .venv/bin/python benchmarks/dispatch.py --only pipeline  # one section

Sections, each printing a table:

- due-scan: time to find the 1,000 due subscriptions among 10k, 100k and 1M, and to claim
  them with the dispatcher's real claim (`scheduler.claim.claim_batch`), on SQLite and
  PostgreSQL; plus the plan of the due query, to show the index on `next_due_at` carries it.
- pipeline: prompts per second through claim -> render -> send -> record with the real
  `Dispatcher`, `TelegramSender` and PTB `ExtBot` (rate limit effectively off) against the
  emulator in a separate process; wall rate, bot CPU per prompt and peak RSS, for
  `bot.http.AiohttpRequest` (what `bot/app.py` wires) and PTB's default httpx transport;
  then the send half alone next to its floor (the same requests through bare aiohttp).
- limit: the real `ChatRateLimiter(30/s overall, 1/s per chat)` draining a burst to many
  chats (a few get several prompts): achieved rate, the most sends in any one-second
  window, and the shortest gap between two sends to one chat, from the emulator's clock.
- broadcast: a popular minute against the emulator keeping Telegram's limits (30 a second
  free, 1,000 paid): 10,000 and 100,000 people with paid broadcast, a minute's worth at the
  free rate (and from its rate, the free time for 100,000); time until the last prompt,
  Stars counted and charged, the bot's CPU.
- startup: time and memory to start Attune's scheduler side (what `bot.app.open_services`
  opens, up to the first dispatch tick) with 0 and 100k subscriptions, against one PTB
  `JobQueue.run_daily` job per subscription (10k and 100k), each in a fresh process.
- updates: how fast one real `attune run` process handles people's updates, in long
  polling and webhook mode: 2,000 people each tap Open on their prompt, rate it and write
  a note, all at once (rate limits out of reach); updates/s, the bot process's CPU per
  update and its peak RSS, with the emulator and the people in a process of their own.
- flood: while one person sends 50 texts in 5 s, how long 15 others wait for /help's
  answer (p50, p99), in long polling and webhook mode, with Telegram's limits.
- tap: what a rating and /history cost people with 0, 3,000 and 30,000 check-ins each:
  the rating's milestone step alone, then the real `attune run` handling a rating tap,
  /history and its Older page, one person at a time (latency, CPU per update).

Everything runs on loopback; PostgreSQL is used when reachable at --pg-url (a database of
its own, created and emptied as needed). Performance is claimed here, never asserted in
tests. Other work on the machine shows up in the figures: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import bench_broadcast
import bench_due_scan
import bench_flood
import bench_limit
import bench_pipeline
import bench_startup
import bench_tap
import bench_updates
from bench_common import Table
from bench_data import database_version, ensure_databases, sqlite_url

SECTIONS = ("due-scan", "pipeline", "limit", "broadcast", "startup", "updates", "flood", "tap")
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/attune_bench"


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo."""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


async def machine(pg_url: str | None) -> Table:
    """What the figures were measured on."""
    table = Table("machine", ["what", "value"])
    table.add("CPU", f"{cpu_model()}, {os.cpu_count()} cores")
    table.add("Python", f"{platform.python_version()} ({platform.python_implementation()})")
    table.add("SQLite", sqlite3.sqlite_version)
    table.add("PostgreSQL", await database_version(pg_url) if pg_url else "not reachable")
    table.add("OS", platform.platform())
    return table


async def reachable(pg_url: str) -> bool:
    """Whether PostgreSQL answers at `pg_url` (the benchmark then covers it too)."""
    try:
        await asyncio.wait_for(ensure_databases(pg_url), 10)
    except Exception:  # refused, unknown host, bad credentials: benchmark SQLite alone
        return False
    return True


async def run_section(
    section: str, backends: list[tuple[str, str]], work: Path, *, quick: bool
) -> list[Table]:
    """One section's tables."""
    if section == "due-scan":
        return [await bench_due_scan.run(backends, quick=quick)]
    if section == "pipeline":
        return await bench_pipeline.run(backends, work, quick=quick)
    if section == "limit":
        return [await bench_limit.run(backends[0][1], work, quick=quick)]
    if section == "broadcast":
        return [await bench_broadcast.run(backends[0][1], work, quick=quick)]
    if section == "updates":
        return await bench_updates.run(backends, work, quick=quick)
    if section == "flood":
        return [await bench_flood.run(work)]
    if section == "tap":
        return await bench_tap.run(backends, work, quick=quick)
    return [await bench_startup.run(backends, work, quick=quick)]


async def main(args: argparse.Namespace) -> None:
    """Run the chosen sections, printing each table as it completes."""
    started = time.perf_counter()
    pg_url = args.pg_url if not args.no_pg and await reachable(args.pg_url) else None
    (await machine(pg_url)).print()
    chosen = [args.only] if args.only else list(SECTIONS)
    with tempfile.TemporaryDirectory(prefix="attune-bench-") as folder:
        work = Path(folder)
        backends = [("sqlite", sqlite_url(work / "bench.db"))]
        if pg_url:
            backends.append(("postgresql", pg_url))
        for section in chosen:
            for table in await run_section(section, backends, work, quick=args.quick):
                table.print()
    print(f"\ntotal time: {time.perf_counter() - started:.0f} s")


def parse(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--only", choices=SECTIONS, help="run one section")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, shorter runs")
    parser.add_argument("--pg-url", default=PG_URL, help="PostgreSQL database to use")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse(sys.argv[1:])))
