"""The weekly summary, told in words: which practices the person made room for, how each
felt, what was reached, and a closing that suits the week.

How a practice felt is said with its own rating labels (the words the person tapped),
never with numbers, arrows or averages; days without a rating leave no mark at all, and
nothing is counted. The week before is read only to choose the closing: in a heavier week
it names the showing up and offers curiosity without asking for a lesson, in a lighter one
it enjoys the moment without making higher the goal, and otherwise (mixed, level, or
nothing to compare) it is calm. Each case has several texts, chosen by the week, so two
weeks in a row never close the same way, and the same week always reads the same (a
discreet summary is rendered again when it is opened). Plain text within one message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta, tzinfo
from enum import StrEnum
from fractions import Fraction

from messages import is_ritual, keys, render, ritual_text
from messages.formats import date_short
from progress.common import (
    LIMIT,
    ONE_DAY,
    cut,
    join_within,
    local_date,
    mean,
    ordered_keys,
    ritual_name,
)
from progress.history import Entry
from progress.milestones import milestone_name

__all__ = ["Shape", "week_shape", "weekly_summary"]

WEEK = 7
# Milestones are few in a real week; a cap keeps a runaway list from crowding out the rest.
_MILESTONES_LIMIT = 1000
# A practice reads as lighter or heavier than the week before only when its mean rating
# moved by half a point or more: smaller moves are the ordinary wobble of any week.
_SHIFT = Fraction(1, 2)


class Shape(StrEnum):
    """What a week was like against the one before; each names its closing texts."""

    RISING = "rising"  # some practice felt lighter, none heavier
    FALLING = "falling"  # some practice felt heavier, none lighter
    CALM = "calm"  # mixed, level, or nothing to compare with
    QUIET = "quiet"  # no check-in at all this week


def weekly_summary(
    history: Sequence[Entry],
    zone: tzinfo,
    week_start: date,
    milestones_this_week: Sequence[str],
    locale: str,
) -> str:
    """Return the summary of the 7 local days from ``week_start`` (plain text, ≤ 4,096 chars)."""
    last_day = week_start + (WEEK - 1) * ONE_DAY
    before_start = week_start - timedelta(days=WEEK)
    this_week: dict[str, list[int]] = defaultdict(list)
    week_before: dict[str, list[int]] = defaultdict(list)
    for entry in history:
        day = local_date(entry, zone)
        if week_start <= day <= last_day:
            this_week[entry.ritual_key].append(entry.rating)
        elif before_start <= day < week_start:
            week_before[entry.ritual_key].append(entry.rating)

    title = render(
        "summary_title",
        locale,
        start=date_short(week_start, locale),
        end=date_short(last_day, locale),
    )
    shape = week_shape(this_week, week_before)
    closing = [_variant(f"summary_{shape}_", week_start, locale)]
    names = _milestone_names(milestones_this_week, locale)
    if names:
        listed = join_within(
            names, sep=render("list_separator", locale), more="…", limit=_MILESTONES_LIMIT
        )
        closing.insert(0, render("summary_milestones", locale, list=listed))
    if shape == Shape.QUIET:
        return cut("\n\n".join([title, *closing]), LIMIT)

    lines = [_felt(key, this_week[key], locale) for key in ordered_keys(this_week)]
    intro = render("summary_room", locale)
    # The practices take whatever room the fixed parts leave.
    room = LIMIT - len(title) - len(intro) - sum(len(part) + 2 for part in closing) - 3
    body = join_within(lines, sep="\n", more=render("summary_more", locale), limit=room)
    return cut("\n\n".join([title, f"{intro}\n{body}", *closing]), LIMIT)


def week_shape(this_week: dict[str, list[int]], week_before: dict[str, list[int]]) -> Shape:
    """Whether the week felt lighter, heavier, or neither, practice by practice."""
    if not any(this_week.values()):
        return Shape.QUIET
    lighter = heavier = False
    for key, ratings in this_week.items():
        now, then = mean(ratings), mean(week_before.get(key, []))
        if now is None or then is None:
            continue  # new this week, or back after a while: nothing to compare
        lighter = lighter or now - then >= _SHIFT
        heavier = heavier or then - now >= _SHIFT
    if lighter == heavier:
        return Shape.CALM
    return Shape.RISING if lighter else Shape.FALLING


def _felt(key: str, ratings: Iterable[int], locale: str) -> str:
    """One practice's line: its name and how it felt, in its own labels."""
    name = ritual_name(key, locale)
    if not is_ritual(key):  # retired from the catalogue: no labels to speak with
        return render("summary_felt_unknown", locale, name=name)
    labels = ritual_text(key, locale).labels
    felt = sorted(set(ratings))
    low, high = labels[felt[0]], labels[felt[-1]]
    if len(felt) == 1:
        return render("summary_felt_one", locale, name=name, label=low)
    if len(felt) == 2:
        return render("summary_felt_two", locale, name=name, low=low, high=high)
    return render("summary_felt_range", locale, name=name, low=low, high=high)


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


def _variant(prefix: str, week_start: date, locale: str) -> str:
    """One of the numbered texts ``<prefix>1``, ``<prefix>2``, … for the week of ``week_start``.

    Counting weeks from a fixed day, consecutive weeks take consecutive texts: the same
    case two weeks running never reads the same.
    """
    found = sorted(
        (key for key in keys(locale) if key.startswith(prefix) and key[len(prefix) :].isdigit()),
        key=lambda key: int(key[len(prefix) :]),
    )
    return render(found[week_start.toordinal() // WEEK % len(found)], locale)
