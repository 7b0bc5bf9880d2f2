"""Section updates: how fast one `attune run` process handles people's taps and messages.

For each backend and intake mode (long polling; webhook, the emulator delivering to the
bot's own HTTP port) the parent builds a database of people who are all due now and runs
`updates_probe.py` in a fresh process: the emulator and its simulated people there, the
real `python -m bot run` as its child, with the rate limits out of reach so the bot's own
cost shows. The dispatcher sends every prompt; then everyone taps Open at once, then
everyone rates 4 (the main case), then everyone writes a note, each measured apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_common import Table, run_child
from bench_data import People, build

MODES = ("polling", "webhook")
# The main case first: a rating, then the taps and messages around it.
SHOWN = {"rate": "rating tap", "open": "Open tap", "note": "note (text)"}


async def run(backends: Sequence[tuple[str, str]], work: Path, *, quick: bool) -> list[Table]:
    """Each backend in each intake mode; rows grouped by kind of update, ratings first."""
    people = 300 if quick else 2_000
    runs: list[tuple[str, str, dict[str, Any]]] = []
    for backend, url in backends:
        url = url.replace("bench.db", "updates.db")
        for mode in MODES:
            runs.append((mode, backend, await _measure(url, mode, people, work)))
    table = Table(
        f"updates: {people:,} people each tap Open, rate 4, write a note (all at once, in turn)",
        ["update", "mode", "backend", "updates/s", "CPU ms/update", "1-core cap/s",
         "API calls/update", "peak RSS MB", "emulator CPU %", "failed"],
    )  # fmt: skip
    for kind, shown in SHOWN.items():
        for mode, backend, got in runs:
            phase = next(p for p in got["phases"] if p["phase"] == kind)
            count, wall, cpu = phase["updates"], phase["wall"], phase["cpu"]
            calls = sum(phase["calls"].values())
            table.add(shown, mode, backend, count / wall, cpu / count * 1e3, count / cpu,
                      calls / count, phase["peak_rss_mb"],
                      phase["emulator_cpu"] / wall * 100, phase["failed"])  # fmt: skip
    for mode, backend, got in runs:
        if got["errors"]:
            errors = ", ".join(f"{name} x{n}" for name, n in got["errors"].items())
            stored = ", ".join(f"{n:,} {rows}" for rows, n in got["stored"].items())
            table.notes.append(f"{mode}, {backend}: handlers failed ({errors}); stored {stored}")
    table.notes += [
        "failed: updates whose handler raised (the bot said 'Something went wrong');"
        " confirmed all the same, so not sent again",
        "from the first update to the bot's last reply, every update confirmed (polling: next"
        " offset; webhook: 200)",
        "CPU and peak RSS: the `attune run` process alone (all threads; not PostgreSQL's)",
        "API calls/update: the bot's Bot API requests per update, getUpdates not counted,"
        " nor a tap's answer carried in the webhook's 200",
        "a rating: answerCallbackQuery and editMessageText, which carries the thank-you"
        " (+ a first-rating milestone)",
    ]
    return [table]


async def _measure(url: str, mode: str, people: int, work: Path) -> dict[str, Any]:
    """One probe run on a fresh database of `people`, all due a minute ago (wall clock)."""
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    await build(url, People(users=people, due_at=due))
    got = await asyncio.to_thread(
        run_child, "updates_probe.py", f"--url={url}", f"--mode={mode}",
        f"--people={people}", f"--work={work}",
    )  # fmt: skip
    failed = {phase["phase"]: phase["failed"] for phase in got["phases"]}
    if got["stored"]["check_ins"] + failed["rate"] != people:  # a rating silently lost
        raise RuntimeError(f"{mode}: {got['stored']} of {people}, failed: {failed}")
    return got
