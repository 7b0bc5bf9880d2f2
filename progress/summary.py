"""The weekly summary: this week's practice per ritual, gently compared with the week before.

Per ritual: check-ins this week, a sparkline of the seven local days, and this week's mean
next to last week's with an arrow (information, never a verdict). Then the milestones of the
week and one reflective question that rotates by ISO week. A quiet week gets a warm line and
no counting of days. The text is plain and always fits one Telegram message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta, tzinfo

from messages import keys, render
from progress.common import (
    DOWN,
    LIMIT,
    ONE_DAY,
    arrow,
    checkins,
    cut,
    format_mean,
    join_within,
    local_date,
    mean,
    ordered_keys,
    ritual_name,
    short_date,
)
from progress.history import Entry
from progress.milestones import milestone_name
from progress.sparkline import sparkline

__all__ = ["weekly_summary"]

WEEK = 7
# Milestones are few in a real week; a cap keeps a runaway list from crowding out the rest.
_MILESTONES_LIMIT = 1000
_QUESTION_PREFIX = "summary_question_"


def weekly_summary(
    history: Sequence[Entry],
    zone: tzinfo,
    week_start: date,
    milestones_this_week: Sequence[str],
    locale: str,
) -> str:
    """Return the summary of the 7 local days from ``week_start`` (plain text, ≤ 4,096 chars)."""
    days = [week_start + offset * ONE_DAY for offset in range(WEEK)]
    last_week_start = week_start - timedelta(days=WEEK)
    this_week: dict[str, list[Entry]] = defaultdict(list)
    last_week: dict[str, list[int]] = defaultdict(list)
    for entry in history:
        day = local_date(entry, zone)
        if week_start <= day <= days[-1]:
            this_week[entry.ritual_key].append(entry)
        elif last_week_start <= day < week_start:
            last_week[entry.ritual_key].append(entry.rating)

    title = render(
        "summary_title",
        locale,
        start=short_date(days[0], locale),
        end=short_date(days[-1], locale),
    )
    closing = [render("summary_question", locale, question=_question(week_start, locale))]
    names = _milestone_names(milestones_this_week, locale)
    if names:
        listed = join_within(
            names, sep=render("list_separator", locale), more="…", limit=_MILESTONES_LIMIT
        )
        closing.insert(0, render("summary_milestones", locale, list=listed))
    if not this_week:
        parts = [title, render("summary_empty", locale), *closing]
        return cut("\n\n".join(parts), LIMIT)

    blocks, falling = [], False
    for key in ordered_keys(this_week):
        block, fell = _ritual_block(
            key, this_week[key], last_week.get(key, []), days, zone, locale
        )
        blocks.append(block)
        falling = falling or fell
    if falling:
        closing.insert(0, render("summary_falling", locale))
    # The practice blocks take whatever room the fixed parts leave.
    room = LIMIT - len(title) - sum(len(part) + 2 for part in closing) - 2
    body = join_within(blocks, sep="\n\n", more=render("summary_more", locale), limit=room)
    return cut("\n\n".join([title, body, *closing]), LIMIT)


def _ritual_block(
    key: str,
    entries: Sequence[Entry],
    previous: Sequence[int],
    days: Sequence[date],
    zone: tzinfo,
    locale: str,
) -> tuple[str, bool]:
    """Return a ritual's two lines for the week and whether its mean went down."""
    per_day: dict[date, list[int]] = defaultdict(list)
    for entry in entries:
        per_day[local_date(entry, zone)].append(entry.rating)
    daily = [mean(per_day[day]) if day in per_day else None for day in days]
    spark = sparkline([float(value) if value is not None else None for value in daily])
    now = mean(entry.rating for entry in entries)
    then = mean(previous)
    head = render(
        "summary_ritual",
        locale,
        name=ritual_name(key, locale),
        count=checkins(len(entries), locale),
    )
    if now is None:  # unreachable: a ritual is listed only when it has entries this week
        return head, False
    if then is None:
        line = render("summary_trend_new", locale, spark=spark, mean=format_mean(now, locale))
        return f"{head}\n{line}", False
    direction = arrow(now, then)
    line = render(
        "summary_trend",
        locale,
        spark=spark,
        arrow=direction,
        mean=format_mean(now, locale),
        previous=format_mean(then, locale),
    )
    return f"{head}\n{line}", direction == DOWN


def _milestone_names(milestone_keys: Sequence[str], locale: str) -> list[str]:
    """Return the short names of the week's milestones, once each, skipping unknown keys."""
    names: list[str] = []
    for key in milestone_keys:
        try:
            name = milestone_name(key, locale)
        except KeyError:  # a key from a newer version: leave it out rather than fail the job
            continue
        if name not in names:
            names.append(name)
    return names


def _question(week_start: date, locale: str) -> str:
    """Return the reflective question for the ISO week of ``week_start``."""
    questions = sorted(
        (key for key in keys(locale) if key.startswith(_QUESTION_PREFIX)),
        key=lambda key: int(key.removeprefix(_QUESTION_PREFIX)),
    )
    week = week_start.isocalendar().week
    return render(questions[week % len(questions)], locale)
