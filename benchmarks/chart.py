"""How long one /progress chart takes to draw: a year of daily ratings for all eight rituals.

    .venv/bin/python benchmarks/chart.py            # 1 warm-up, then the median of 9 runs
    .venv/bin/python benchmarks/chart.py --runs 21

The worst realistic case: every ritual rated every day for 365 days (2,920 check-ins), drawn
over a 365-day window, normal and discreet. Target: at most 300 ms per render. The data is
generated from a fixed seed, so every run draws the same picture.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# Run as a script from anywhere: the project root holds the packages.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matplotlib

from messages import rituals
from progress.chart import render_chart
from progress.history import Entry

TARGET_MS = 300.0
ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
DAYS = 365


def year_of_data(seed: int = 7) -> list[Entry]:
    """Return one rating per ritual per day for a year, drifting gently upwards with noise."""
    rng = random.Random(seed)
    entries = []
    for index, item in enumerate(rituals()):
        for day in range(DAYS):
            trend = 2.0 + 2.0 * day / DAYS + 0.3 * index / 8
            rating = min(5, max(1, round(trend + rng.gauss(0, 0.8))))
            at = NOW - timedelta(days=day, minutes=rng.randint(0, 180) + 10 * index)
            entries.append(Entry(item.key, rating, at, has_note=rng.random() < 0.1))
    return entries


def measure(history: list[Entry], *, discreet: bool, runs: int) -> tuple[float, float, int]:
    """Return the median and worst milliseconds per render after one warm-up, and PNG size."""
    png = render_chart(history, ZONE, NOW, "en", discreet=discreet, days=DAYS)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        render_chart(history, ZONE, NOW, "en", discreet=discreet, days=DAYS)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), len(png)


def main() -> None:
    """Print the time per render, normal and discreet, against the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs after one warm-up")
    args = parser.parse_args()
    history = year_of_data()
    print(
        f"chart render: {len(history)} check-ins, {len(rituals())} rituals, {DAYS} days; "
        f"matplotlib {matplotlib.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}"
    )
    print(f"{'mode':<10}{'median ms':>11}{'worst ms':>10}{'PNG bytes':>11}  target")
    for discreet in (False, True):
        median, worst, size = measure(history, discreet=discreet, runs=args.runs)
        verdict = "ok" if median <= TARGET_MS else "OVER"
        mode = "discreet" if discreet else "normal"
        print(f"{mode:<10}{median:>11.1f}{worst:>10.1f}{size:>11}  ≤ {TARGET_MS:.0f} {verdict}")


if __name__ == "__main__":
    main()
