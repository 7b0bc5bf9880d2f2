"""The /progress text and the patterns between rituals."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from messages import render
from progress.history import Entry
from progress.patterns import patterns
from progress.report import progress_text

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 14, 12, 0, tzinfo=UTC)
SENTENCE = re.compile(
    r"On days with (?P<practice>.+), your (?P<other>.+) ratings averaged (?P<mean>[\d.]+), "
    r"and (?P<rest>[\d.]+) on other days\."
)  # Saturday 14 Nov, 13:00 in Berlin


def local(day: date, hour: int = 21, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


# /progress.


def test_nothing_yet_is_warm() -> None:
    assert progress_text([], BERLIN, NOW, "en") == render("progress_empty", "en")


def test_totals_month_and_per_ritual_trends() -> None:
    today = date(2026, 11, 14)
    history = [
        # Last 14 local days (1..14 Nov): 4, 4, 5 -> 4.3; the 14 before: 3, 3 -> 3.0.
        Entry("body_scan", 4, local(today)),
        Entry("body_scan", 4, local(today - timedelta(days=5))),
        # 00:30 local on 1 Nov is 31 Oct in UTC, yet it is November and the recent window.
        Entry("body_scan", 5, local(date(2026, 11, 1), 0, 30)),
        Entry("body_scan", 3, local(date(2026, 10, 31), 22)),
        Entry("body_scan", 3, local(date(2026, 10, 18))),
        # Breath only long ago: its count, and no mean.
        Entry("breath", 2, local(date(2026, 6, 1), 8)),
        # Kind words only recently: a mean without a comparison.
        Entry("kind_words", 3, local(today - timedelta(days=1), 9)),
    ]
    assert history[2].practiced_at.month == 10
    text = progress_text(history, BERLIN, NOW, "en")
    assert text.startswith("Your practice so far\n\nCheck-ins in all: 7. This month: 4.\n\n")
    assert (
        "Bedtime body scan: 5 check-ins · last two weeks ↑ 4.3, the two weeks before 3.0"
    ) in text
    assert "\nBreath and grounding: 1 check-in\n" in text
    assert "\nKind words to yourself: 1 check-in · last two weeks 3.0\n" in text
    assert text.endswith(render("progress_closing", "en"))


def test_a_level_and_a_falling_trend_are_shown_as_arrows() -> None:
    today = date(2026, 11, 14)
    history = [
        *(Entry("breath", 3, local(today - timedelta(days=n), 8)) for n in range(28)),
        *(
            Entry("small_wins", 2 if n < 14 else 4, local(today - timedelta(days=n)))
            for n in range(28)
        ),
    ]
    text = progress_text(history, BERLIN, NOW, "en")
    assert (
        "Breath and grounding: 28 check-ins · last two weeks → 3.0, the two weeks before 3.0"
        in text
    )
    assert "Small wins: 28 check-ins · last two weeks ↓ 2.0, the two weeks before 4.0" in text


def test_many_retired_practices_still_fit() -> None:
    history = [Entry(f"retired_{n}", 3, local(date(2026, 11, 1))) for n in range(400)]
    text = progress_text(history, BERLIN, NOW, "en")
    assert len(text) <= 4096
    assert render("progress_more", "en") in text
    assert text.endswith(render("progress_closing", "en"))


# Patterns.


def days_of(start: date, count: int) -> list[date]:
    return [start + timedelta(days=n) for n in range(count)]


def test_an_observation_between_two_rituals() -> None:
    with_breath, without = days_of(date(2026, 9, 1), 3), days_of(date(2026, 9, 10), 3)
    history = [Entry("breath", 3, local(day, 8)) for day in with_breath]
    history += [
        Entry("body_scan", rating, local(day, 22))
        for day, rating in zip(with_breath, [4, 4, 3], strict=True)
    ]
    history += [
        Entry("body_scan", rating, local(day, 22))
        for day, rating in zip(without, [3, 3, 3], strict=True)
    ]
    assert patterns(history, BERLIN, "en") == [
        "On days with breath and grounding, your bedtime body scan ratings averaged 3.7, "
        "and 3.0 on other days."
    ]


def test_each_day_weighs_the_same() -> None:
    with_breath, without = days_of(date(2026, 9, 1), 3), days_of(date(2026, 9, 10), 3)
    history = [Entry("breath", 3, local(day, 8)) for day in with_breath]
    history += [Entry("body_scan", 4, local(day, 22)) for day in with_breath]
    history += [Entry("body_scan", 2, local(day, 22)) for day in without]
    # One busy day with three low ratings still counts as one day at 2.0.
    history += [Entry("body_scan", 2, local(without[0], hour)) for hour in (9, 10)]
    assert patterns(history, BERLIN, "en") == [
        "On days with breath and grounding, your bedtime body scan ratings averaged 4.0, "
        "and 2.0 on other days."
    ]


@pytest.mark.parametrize(("with_days", "without_days"), [(2, 5), (5, 2)])
def test_at_least_three_days_each_way(with_days: int, without_days: int) -> None:
    with_breath = days_of(date(2026, 9, 1), with_days)
    without = days_of(date(2026, 9, 10), without_days)
    history = [Entry("breath", 3, local(day, 8)) for day in with_breath]
    history += [Entry("body_scan", 5, local(day, 22)) for day in with_breath]
    history += [Entry("body_scan", 1, local(day, 22)) for day in without]
    assert patterns(history, BERLIN, "en") == []


def test_small_differences_are_not_reported() -> None:
    with_breath, without = days_of(date(2026, 9, 1), 5), days_of(date(2026, 9, 10), 5)
    history = [Entry("breath", 3, local(day, 8)) for day in with_breath]
    history += [
        Entry("body_scan", r, local(day, 22))
        for day, r in zip(with_breath, [3, 3, 3, 3, 4], strict=True)
    ]
    history += [Entry("body_scan", 3, local(day, 22)) for day in without]  # 3.2 vs 3.0
    assert patterns(history, BERLIN, "en") == []


def test_days_are_local() -> None:
    # Breath at 00:30 local is the previous day in UTC; it still shares the local day.
    with_breath, without = days_of(date(2026, 10, 24), 3), days_of(date(2026, 10, 1), 3)
    history = [Entry("breath", 3, local(day, 0, 30)) for day in with_breath]
    history += [Entry("body_scan", 5, local(day, 23, 30)) for day in with_breath]
    history += [Entry("body_scan", 2, local(day, 23, 30)) for day in without]
    assert [text.split(",")[0] for text in patterns(history, BERLIN, "en")] == [
        "On days with breath and grounding"
    ]


def test_at_most_three_largest_first_one_per_pair() -> None:
    keys = ["breath", "body_scan", "kind_words", "daily_checkin", "small_wins"]
    history = []
    # Each ritual is done on its own alternating days, so every pair has days with and without.
    for index, key in enumerate(keys):
        for day in days_of(date(2026, 9, 1), 40):
            if (day.day + index) % (index + 2) == 0:
                continue
            history.append(Entry(key, 1 + (day.day * (index + 1)) % 5, local(day, 8 + index)))
    found = patterns(history, BERLIN, "en")
    assert 0 < len(found) <= 3
    with_key = {render(f"pattern_with_{key}", "en"): key for key in keys}
    of_key = {render(f"pattern_of_{key}", "en"): key for key in keys}
    pairs, gaps = [], []
    for text in found:
        parts = SENTENCE.fullmatch(text)
        assert parts, text
        pairs.append(frozenset({with_key[parts["practice"]], of_key[parts["other"]]}))
        gaps.append(abs(float(parts["mean"]) - float(parts["rest"])))
    assert len(set(pairs)) == len(pairs)
    assert all(gap >= 0.3 - 1e-9 for gap in gaps)
    # Ranked by the exact difference; the shown one may differ by rounding (at most 0.1).
    assert all(later <= earlier + 0.1 + 1e-9 for earlier, later in pairwise(gaps))
