"""How long /progress takes to draw its picture, from a person's check-ins to PNG bytes.

    .venv/bin/python benchmarks/chart.py            # 1 warm-up, then the median of 9 runs
    .venv/bin/python benchmarks/chart.py --runs 21

Each case times what the bot does after reading the history: choosing the picture
(`progress.picture.choose_picture`) and drawing it (`render_picture`), normal and discreet.
The sizes show how the cost grows with a history: none, a sparse first month (the recent
chart), a year of all eight rituals every day (2,920 check-ins, the year picture), ten such
years (29,200; still twelve months drawn), and 29,200 in a single year (ten a day per ritual).
Target: at most 300 ms for the year of eight rituals. The data comes from fixed seeds, so
every run draws the same pictures.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Run as a script from anywhere: the project root holds the packages.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matplotlib
from bench_common import Table
from chart_data import NOW, ZONE, every_day, sparse_month

from progress.history import Entry
from progress.picture import choose_picture, render_picture

TARGET_MS = 300.0
CASES: list[tuple[str, Callable[[], list[Entry]]]] = [
    ("nothing yet", list),
    ("a sparse month", sparse_month),
    ("a year, 8 rituals", lambda: every_day(1)),
    ("ten years, 8 rituals", lambda: every_day(10)),
    ("a year, 8 rituals x 10 a day", lambda: every_day(1, per_day=10)),
]


def draw(history: list[Entry], *, discreet: bool) -> tuple[str, bytes]:
    """What /progress does with a history it has read: choose the picture, then draw it."""
    picture = choose_picture(history, ZONE, NOW)
    if picture is None:
        return "none", b""
    png = render_picture(picture, history, ZONE, NOW, "en", discreet=discreet)
    return f"{picture.view.value}, {picture.span}", png


def measure(
    history: list[Entry], *, discreet: bool, runs: int
) -> tuple[str, float, float, float, float, int]:
    """Return the picture; the best, median and worst wall ms and the median CPU ms after
    one warm-up; and the PNG's size. When other work shares the machine, the best run and
    the CPU time are the closest to what the drawing itself costs."""
    shown, png = draw(history, discreet=discreet)
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        draw(history, discreet=discreet)
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    return (
        shown,
        min(walls),
        statistics.median(walls),
        max(walls),
        statistics.median(cpus),
        len(png),
    )


def main() -> None:
    """Print the time per picture for each size of history, normal and discreet."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs after one warm-up")
    args = parser.parse_args()
    table = Table(
        f"/progress picture: check-ins to PNG bytes ({args.runs} runs after one warm-up; "
        "CPU ms is the median)",
        [
            "history",
            "check-ins",
            "mode",
            "picture",
            "best ms",
            "median ms",
            "worst ms",
            "CPU ms",
            "PNG bytes",
        ],
    )
    load = os.getloadavg()[0]
    for name, build in CASES:
        history = build()
        for discreet in (False, True):
            shown, *times, size = measure(history, discreet=discreet, runs=args.runs)
            mode = "discreet" if discreet else "normal"
            table.add(name, len(history), mode, shown, *times, size)
    table.notes.append(
        f"target: at most {TARGET_MS:.0f} ms for a year of 8 rituals; matplotlib "
        f"{matplotlib.__version__}, Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, load average {load:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end"
    )
    table.print()


if __name__ == "__main__":
    main()
