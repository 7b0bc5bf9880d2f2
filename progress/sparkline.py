"""A one-line Unicode sparkline: one character per value, a quiet dot where there is none."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["BARS", "GAP", "sparkline"]

BARS = "▁▂▃▄▅▆▇█"
# A middle dot rather than a space: Telegram trims trailing spaces, and a space would make
# a week that ends without a rating look shorter than seven days.
GAP = "·"


def sparkline(values: Sequence[float | None], low: float = 1, high: float = 5) -> str:
    """Return one bar per value scaled from ``low`` to ``high``; GAP for None (or NaN)."""
    if not high > low:
        raise ValueError("high must be greater than low")
    steps = len(BARS) - 1
    marks = []
    for value in values:
        if value is None or math.isnan(value):
            marks.append(GAP)
            continue
        # Clamp, so a stray value outside the scale still gets the nearest bar, not an error.
        share = (min(max(value, low), high) - low) / (high - low)
        marks.append(BARS[math.floor(share * steps + 0.5)])
    return "".join(marks)
