"""Section broadcast: a popular minute with paid broadcast, against Telegram's limits.

Everyone is due at 22:00; one bot process (`broadcast_probe.py`, the app's dispatcher,
sender, rate limiter and paid budget at their defaults) sends their prompts to the
emulator, which keeps Telegram's limits in a process of its own: 30 a second free, 429
past that; with `allow_paid_broadcast` up to 1,000 a second, 0.1 Stars per message past
the free ones, from its balance. Paid at 10,000 and 100,000 people; free at a size that
drains in about a minute, whose measured rate gives the free time for 100,000 (a run of
over an hour, estimated and marked so). From the emulator's log: the time from the tick's
start to the last prompt, the rate, the paid prompts, and any refusal (429).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from bench_common import Table, emulator_process, run_child
from bench_data import People, build

TARGET = 100_000
STARS = 20_000  # the emulated balance and the day's budget: more than 100,000 prompts use


async def run(url: str, work: Path, *, quick: bool) -> Table:
    """The paid runs, then the free one, one row each, and the free time for TARGET."""
    paid_sizes = (2_000, 10_000) if quick else (10_000, TARGET)
    free_size = 300 if quick else 1_500
    table = Table(
        "broadcast: everyone due in the same minute, Telegram's limits (emulated)",
        ["pace", "people", "to last prompt s", "prompts/s", "paid", "Stars counted",
         "Stars charged", "429s", "bot CPU ms/prompt", "1-core cap/s", "bot CPU %",
         "emulator CPU %"],
    )  # fmt: skip
    for people in paid_sizes:
        table.add("paid", *_row(await _measure(url, work, people, paid=True), people))
    free = await _measure(url, work, free_size, paid=False)
    table.add("free", *_row(free, free_size))
    rate = free["sent"] / free["to_last"]
    table.add(f"free, {TARGET:,} estimated", TARGET, TARGET / rate, rate,
              0, 0.0, 0.0, "-", "-", "-", "-", "-")  # fmt: skip
    table.notes += [
        "to last prompt: from the tick's start to the last prompt reaching the emulator",
        f"free, {TARGET:,} estimated: {TARGET:,} / the free run's measured rate, not run",
        "Stars counted: Attune's metric (0.1 per prompt sent paid); charged: what the"
        " emulator took (paid sends past its free 30 a second)",
        "1-core cap: prompts per second of the bot's CPU; CPU %: of one core, over the run",
        "SQLite; target: 100,000 within 2 minutes on one process, paid",
        f"load average (1 min) after the runs: {os.getloadavg()[0]:.1f} on"
        f" {os.cpu_count()} cores (other work shows in the rates, not in the CPU per prompt)",
    ]
    return table


def _row(got: dict[str, Any], people: int) -> list[object]:
    return [
        people,
        got["to_last"],
        got["sent"] / got["to_last"],
        got["paid"],
        got["stars_counted"],
        got["stars_charged"],
        got["refused"],
        got["cpu"] / got["sent"] * 1e3,
        got["sent"] / got["cpu"],
        got["cpu"] / got["wall"] * 100,
        got["emulator_cpu"] / got["wall"] * 100,
    ]


async def _measure(url: str, work: Path, people: int, *, paid: bool) -> dict[str, Any]:
    """One probe run against a fresh database and emulator; the emulator's log read after."""
    url = url.replace("bench.db", "broadcast.db")
    await build(url, People(users=people))
    calls = work / "broadcast-calls.json"
    with emulator_process(chats=people, calls_to=calls, telegram_limits=True, stars=STARS) as emu:
        args = [f"--url={url}", f"--root-url={emu.root_url}", f"--emulator-pid={emu.pid}"]
        if paid:
            args += ["--paid", f"--daily-stars={STARS}"]
        got = await asyncio.to_thread(run_child, "broadcast_probe.py", *args, timeout=1800)
    sends = [row for row in json.loads(calls.read_text()) if row[0] == "sendMessage"]
    delivered = [at for _, _, at, ok, *_ in sends if ok]
    got["to_last"] = max(delivered) - got["started"]
    got["refused"] = sum(1 for _, _, _, ok, *_ in sends if not ok)
    got["paid"] = sum(1 for *_, ok, paid in sends if ok and paid)
    if got["sent"] != people or got["failed"]:
        raise RuntimeError(f"expected {people} sent, got {got}")
    return got
