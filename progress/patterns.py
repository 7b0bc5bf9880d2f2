"""Patterns: how one ritual's ratings differ on days with and without another ritual.

Only local days with at least one check-in take part, so a day away is never read as a "day
without". For rituals A and B: the days B was rated are split into days A was also done and
days it was not; with 3 or more days on each side, B's mean on each side is compared (each
day weighs the same, whatever the number of check-ins). Differences of 0.3 or more as shown
(one decimal) are reported, largest first, at most three, one per pair of rituals. The text
is an observation, never advice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from fractions import Fraction
from itertools import permutations

from messages import keys, render
from progress.common import format_mean, local_date, mean, ordered_keys, ritual_name, tenths
from progress.history import Entry

__all__ = ["MIN_DAYS", "MIN_DIFFERENCE_TENTHS", "MOST", "patterns"]

MIN_DAYS = 3
MIN_DIFFERENCE_TENTHS = 3  # 0.3, compared as shown so the words match the numbers
MOST = 3


@dataclass(frozen=True, slots=True)
class _Finding:
    difference: Fraction
    practice: str  # A: present or not on the day
    other: str  # B: whose ratings are compared
    with_mean: Fraction
    rest_mean: Fraction


def patterns(history: Sequence[Entry], zone: tzinfo, locale: str) -> list[str]:
    """Return up to three observations of ritual pairs, the largest differences first."""
    days: dict[date, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for entry in history:
        days[local_date(entry, zone)][entry.ritual_key].append(entry.rating)
    order = ordered_keys(entry.ritual_key for entry in history)
    best: dict[frozenset[str], _Finding] = {}
    for practice, other in permutations(order, 2):
        finding = _compare(days, practice, other)
        pair = frozenset((practice, other))
        # One observation per pair: "with A, B ..." and "with B, A ..." tell one story.
        if finding and (pair not in best or finding.difference > best[pair].difference):
            best[pair] = finding
    # sorted() is stable, so equal differences keep catalogue order.
    ranked = sorted(best.values(), key=lambda finding: -finding.difference)
    return [_sentence(finding, locale) for finding in ranked[:MOST]]


def _compare(days: dict[date, dict[str, list[int]]], practice: str, other: str) -> _Finding | None:
    with_practice: list[Fraction] = []
    without: list[Fraction] = []
    for rated in days.values():
        ratings = rated.get(other)
        day_mean = mean(ratings) if ratings else None
        if day_mean is None:
            continue
        (with_practice if practice in rated else without).append(day_mean)
    if min(len(with_practice), len(without)) < MIN_DAYS:
        return None
    with_mean, rest_mean = mean(with_practice), mean(without)
    if with_mean is None or rest_mean is None:
        return None
    if abs(tenths(with_mean) - tenths(rest_mean)) < MIN_DIFFERENCE_TENTHS:
        return None
    return _Finding(abs(with_mean - rest_mean), practice, other, with_mean, rest_mean)


def _sentence(finding: _Finding, locale: str) -> str:
    return render(
        "pattern",
        locale,
        practice=_phrase("pattern_with_", finding.practice, locale),
        other=_phrase("pattern_of_", finding.other, locale),
        mean=format_mean(finding.with_mean, locale),
        rest=format_mean(finding.rest_mean, locale),
    )


def _phrase(prefix: str, key: str, locale: str) -> str:
    # A ritual added to the catalogue before its sentence forms are written still reads well
    # enough by its name.
    text = prefix + key
    return render(text, locale) if text in keys(locale) else ritual_name(key, locale)
