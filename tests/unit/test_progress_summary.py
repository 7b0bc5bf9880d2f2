"""The weekly summary and its sparkline: local days, arrows, quiet weeks, the length limit."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from messages import render
from progress.history import Entry
from progress.sparkline import GAP, sparkline
from progress.summary import weekly_summary

BERLIN = ZoneInfo("Europe/Berlin")
MARKUP = re.compile(r"[*_`]|</?\w+>")
AUTUMN_WEEK = date(2026, 10, 19)  # Monday; summer time ends on Sunday 25 Oct
SPRING_WEEK = date(2026, 3, 23)  # Monday; summer time starts on Sunday 29 Mar


def local(day: date, hour: int = 21, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


def week(start: date, key: str, ratings: list[int | None], hour: int = 21) -> list[Entry]:
    """One check-in per day of the week from ``start``; None leaves the day out."""
    return [
        Entry(key, rating, local(start + timedelta(days=n), hour))
        for n, rating in enumerate(ratings)
        if rating is not None
    ]


# Sparkline.


def test_sparkline_maps_the_scale_and_gaps() -> None:
    assert sparkline([1, 2, 3, 4, 5]) == "▁▃▅▆█"
    assert sparkline([None, 1, float("nan"), 5]) == f"{GAP}▁{GAP}█"
    assert sparkline([]) == ""
    assert sparkline([0, 9]) == "▁█"  # clamped, never an error
    assert sparkline([0.0, 10.0], low=0, high=10) == "▁█"


def test_sparkline_refuses_an_empty_scale() -> None:
    with pytest.raises(ValueError):
        sparkline([1], low=3, high=3)


# The summary.


def test_a_week_with_arrows_sparklines_counts_and_a_question() -> None:
    last = AUTUMN_WEEK - timedelta(days=7)
    history = [
        *week(last, "body_scan", [2, 3, 2, 3, 2, 3, 2]),
        *week(AUTUMN_WEEK, "body_scan", [4, 4, None, 5, 4, None, 4]),
        *week(last, "breath", [4, 4, 4, 4, 4, 4, 4]),
        *week(AUTUMN_WEEK, "breath", [3, None, 3, None, None, 2, None]),
        *week(AUTUMN_WEEK, "kind_words", [3, None, None, None, None, None, None]),
        *week(last, "daily_checkin", [3, 3]),
        *week(AUTUMN_WEEK, "daily_checkin", [3]),
    ]
    text = weekly_summary(history, BERLIN, AUTUMN_WEEK, ["first:kind_words"], "en")
    assert text.startswith("Your week, 19 Oct to 25 Oct\n\n")
    assert "Bedtime body scan · 5 check-ins\n▆▆·█▆·▆  ↑ 4.2 this week, 2.4 the week before" in text
    assert (
        "Breath and grounding · 3 check-ins\n▅·▅··▃·  ↓ 2.7 this week, 4.0 the week before" in text
    )
    assert "Daily check-in · 1 check-in\n▅······  → 3.0 this week, 3.0 the week before" in text
    assert "Kind words to yourself · 1 check-in\n▅······  3.0 this week" in text
    # Catalogue order, whatever the order of the history.
    order = [text.index(name) for name in ("Bedtime", "Daily", "Breath", "Kind")]
    assert order == sorted(order)
    assert render("summary_falling", "en") in text
    assert "Reached this week: First check-in: Kind words to yourself" in text
    assert "A question to sit with, if you like: " in text
    assert not MARKUP.search(text)


def test_no_falling_note_when_nothing_fell() -> None:
    history = week(AUTUMN_WEEK, "breath", [3, 4, 5])
    text = weekly_summary(history, BERLIN, AUTUMN_WEEK, [], "en")
    assert render("summary_falling", "en") not in text
    assert "Reached this week" not in text


@pytest.mark.parametrize("start", [AUTUMN_WEEK, SPRING_WEEK])
def test_days_are_local_across_a_dst_change(start: date) -> None:
    sunday = start + timedelta(days=6)
    history = [
        # 00:30 local on Monday is still Sunday in UTC: it belongs to this week, first day.
        Entry("breath", 1, local(start, 0, 30)),
        # 23:30 local on the Sunday of the change is that Sunday: last day of this week.
        Entry("breath", 5, local(sunday, 23, 30)),
        # 23:30 local on the Sunday before belongs to last week.
        Entry("breath", 3, local(start - timedelta(days=1), 23, 30)),
        # 00:30 local on the next Monday belongs to next week.
        Entry("breath", 1, local(sunday + timedelta(days=1), 0, 30)),
    ]
    assert history[0].practiced_at.date() == start - timedelta(days=1)
    text = weekly_summary(history, BERLIN, start, [], "en")
    assert (
        "Breath and grounding · 2 check-ins\n▁·····█  → 3.0 this week, 3.0 the week before" in text
    )


def test_a_quiet_week_is_met_warmly_without_counting() -> None:
    history = week(AUTUMN_WEEK - timedelta(days=7), "breath", [4, 4, 4])
    text = weekly_summary(history, BERLIN, AUTUMN_WEEK, [], "en")
    assert render("summary_empty", "en") in text
    assert "check-in" not in text
    assert GAP not in text and not re.search(r"\b0\b", text)
    assert "A question to sit with" in text


def test_an_empty_history() -> None:
    text = weekly_summary([], BERLIN, AUTUMN_WEEK, [], "en")
    assert render("summary_empty", "en") in text


def test_milestones_listed_once_and_unknown_keys_left_out() -> None:
    history = week(AUTUMN_WEEK, "breath", [3])
    keys = ["total_3", "total_3", "no_such_milestone", "welcome_back:2026-10-19"]
    text = weekly_summary(history, BERLIN, AUTUMN_WEEK, keys, "en")
    assert "Reached this week: 3 check-ins; Coming back\n" in text


def test_the_question_rotates_by_iso_week() -> None:
    questions = set()
    for number in range(8):
        text = weekly_summary([], BERLIN, AUTUMN_WEEK + timedelta(weeks=number), [], "en")
        questions.add(text.rsplit("\n", 1)[-1])
    assert len(questions) >= 4


def test_the_same_iso_week_gets_the_same_question() -> None:
    first = weekly_summary([], BERLIN, AUTUMN_WEEK, [], "en").rsplit("\n", 1)[-1]
    again = weekly_summary([], BERLIN, AUTUMN_WEEK + timedelta(days=2), [], "en")
    assert again.endswith(first)


def test_a_huge_week_is_cut_at_a_practice_and_keeps_its_ending() -> None:
    # Only keys no longer in the catalogue can make this many practices.
    history = [
        Entry(f"retired_{n}", 1 + n % 5, local(AUTUMN_WEEK + timedelta(days=n % 7)))
        for n in range(300)
    ]
    milestones = [f"first:retired_{n}" for n in range(300)]
    text = weekly_summary(history, BERLIN, AUTUMN_WEEK, milestones, "en")
    assert len(text) <= 4096
    assert render("summary_more", "en") in text
    assert "A question to sit with" in text.rsplit("\n", 1)[-1]
    assert "Reached this week:" in text
