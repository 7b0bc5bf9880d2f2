"""What the progress views share: local days, exact means and arrows, names, fitting.

Means are exact ``Fraction``s so a rule like "rises by 0.5 or more" holds at exactly 0.5, and
they are shown rounded half up to one decimal; arrows compare the shown values, so an arrow
never contradicts the numbers next to it. Dates, times and numbers are shown the locale's way
by ``messages.formats``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, timedelta, tzinfo
from fractions import Fraction
from typing import TYPE_CHECKING

from messages import is_ritual, render, ritual, ritual_text
from messages.formats import one_decimal
from progress.calendar import local_day

if TYPE_CHECKING:  # history.py imports this module; the type is only needed for annotations
    from progress.history import Entry

# Telegram's limit for one message, in characters.
LIMIT = 4096
ONE_DAY = timedelta(days=1)
UP, DOWN, LEVEL = "↑", "↓", "→"
ELLIPSIS = "…"


def local_date(entry: Entry, zone: tzinfo) -> date:
    """Return the person's local calendar date of a check-in."""
    return local_day(entry.practiced_at, zone)


def by_time(history: Iterable[Entry]) -> list[Entry]:
    """Return the check-ins oldest first (stable for equal instants)."""
    return sorted(history, key=lambda entry: entry.practiced_at)


def days_back(day: date, count: int) -> tuple[date, date]:
    """Return the first and last date of the ``count`` local days ending with ``day``."""
    return day - (count - 1) * ONE_DAY, day


def month_starts(day: date, count: int) -> list[date]:
    """Return the first days of the ``count`` months ending with ``day``'s month, oldest first."""
    starts = []
    year, month = day.year, day.month
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts[::-1]


def mean(values: Iterable[int | Fraction]) -> Fraction | None:
    """Return the exact mean of ``values``, or None when there are none."""
    items = list(values)
    return Fraction(sum(items), len(items)) if items else None


def tenths(value: Fraction) -> int:
    """Return ``value`` in tenths, rounded half up (3.25 -> 33), as it is shown."""
    return math.floor(value * 10 + Fraction(1, 2))


def format_mean(value: Fraction, locale: str) -> str:
    """Return a mean as shown to people: one decimal, with the locale's decimal mark."""
    return one_decimal(tenths(value), locale)


def arrow(current: Fraction, previous: Fraction) -> str:
    """Return ↑, ↓ or → comparing two means as they are shown (one decimal)."""
    now, then = tenths(current), tenths(previous)
    return UP if now > then else DOWN if now < then else LEVEL


def ordered_keys(keys: Iterable[str]) -> list[str]:
    """Return ritual keys in catalogue order; keys no longer in the catalogue go last."""
    unique = set(keys)
    return sorted(
        unique, key=lambda key: (0, ritual(key).order, key) if is_ritual(key) else (1, 0, key)
    )


def ritual_name(key: str, locale: str) -> str:
    """Return a practice's name, or a neutral one for a key no longer in the catalogue."""
    return ritual_text(key, locale).name if is_ritual(key) else render("unknown_practice", locale)


def rating_label(key: str, rating: int, locale: str) -> str:
    """Return the button label of ``rating`` for a practice, or the number for an unknown one."""
    return ritual_text(key, locale).labels[rating] if is_ritual(key) else str(rating)


def join_within(parts: Sequence[str], *, sep: str, more: str, limit: int) -> str:
    """Join ``parts``; if over ``limit``, keep the leading parts that fit, then ``more``."""
    whole = sep.join(parts)
    if len(whole) <= limit:
        return whole
    kept: list[str] = []
    used = len(more)
    for part in parts:
        # Each kept part costs itself plus one separator before `more`.
        if used + len(part) + len(sep) > limit:
            break
        kept.append(part)
        used += len(part) + len(sep)
    return sep.join([*kept, more]) if len(more) <= limit else cut(more, limit)


def cut(text: str, limit: int) -> str:
    """Return ``text`` cut to at most ``limit`` characters, ending with an ellipsis if cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS if limit > 0 else ""
