"""The /progress text: check-ins in all and this month, and each ritual's recent mean.

Each ritual shows its count and, when it has ratings in the last 14 local days, their mean,
with an arrow against the 14 days before. The closing line frames growth as gradual and
nonlinear. Always plain text within one Telegram message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, tzinfo

from messages import render
from messages.formats import number
from progress.calendar import local_day
from progress.common import (
    LIMIT,
    ONE_DAY,
    arrow,
    cut,
    days_back,
    format_mean,
    join_within,
    local_date,
    mean,
    ordered_keys,
    ritual_name,
)
from progress.history import Entry
from progress.patterns import patterns

__all__ = ["WINDOW_DAYS", "progress_message", "progress_text"]

WINDOW_DAYS = 14


def progress_text(history: Sequence[Entry], zone: tzinfo, now: datetime, locale: str) -> str:
    """Return the /progress summary for ``now`` (plain text, ≤ 4,096 characters)."""
    if not history:
        return render("progress_empty", locale)
    today = local_day(now, zone)
    recent = days_back(today, WINDOW_DAYS)
    before = days_back(recent[0] - ONE_DAY, WINDOW_DAYS)
    counts: dict[str, int] = defaultdict(int)
    windows: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    this_month = 0
    for entry in history:
        day = local_date(entry, zone)
        counts[entry.ritual_key] += 1
        this_month += (day.year, day.month) == (today.year, today.month)
        if _within(day, recent):
            windows[entry.ritual_key][0].append(entry.rating)
        elif _within(day, before):
            windows[entry.ritual_key][1].append(entry.rating)

    lines = []
    for key in ordered_keys(counts):
        current, previous = windows[key]
        lines.append(_ritual_line(key, counts[key], current, previous, locale))
    title = render("progress_title", locale)
    totals = render(
        "progress_totals",
        locale,
        total=number(len(history), locale),
        month=number(this_month, locale),
    )
    closing = render("progress_closing", locale)
    room = LIMIT - len(title) - len(totals) - len(closing) - 6
    body = join_within(lines, sep="\n", more=render("progress_more", locale), limit=room)
    return cut("\n\n".join([title, totals, body, closing]), LIMIT)


def progress_message(history: Sequence[Entry], zone: tzinfo, now: datetime, locale: str) -> str:
    """Return the /progress text with up to three observations of patterns, if they fit."""
    text = progress_text(history, zone, now, locale)
    found = patterns(history, zone, locale)
    if not found:
        return text
    observations = render("progress_observations", locale, lines="\n".join(found))
    whole = f"{text}\n\n{observations}"
    # The summary comes first: observations are a bonus and are left out rather than cut.
    return whole if len(whole) <= LIMIT else text


def _ritual_line(
    key: str, count: int, current: list[int], previous: list[int], locale: str
) -> str:
    name, counted = ritual_name(key, locale), render("checkins", locale, count=count)
    now, then = mean(current), mean(previous)
    if now is None:
        return render("progress_ritual", locale, name=name, count=counted)
    if then is None:
        return render(
            "progress_ritual_recent",
            locale,
            name=name,
            count=counted,
            mean=format_mean(now, locale),
        )
    return render(
        "progress_ritual_trend",
        locale,
        name=name,
        count=counted,
        arrow=arrow(now, then),
        mean=format_mean(now, locale),
        previous=format_mean(then, locale),
    )


def _within(day: date, window: tuple[date, date]) -> bool:
    return window[0] <= day <= window[1]
