"""The weekly summary in words: the practices made room for, how each felt in its own
labels, and a closing chosen by the shape of the week; no numbers, arrows or day marks."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from messages import keys, render
from progress.history import Entry
from progress.summary import Shape, week_shape, weekly_summary

BERLIN = ZoneInfo("Europe/Berlin")
MARKUP = re.compile(r"[*_`]|</?\w+>")
# What a summary used to show and must never show again: digits (counts, averages, "0 of 7"),
# arrows, the dot of an empty day and sparkline bars.
GRADES = re.compile(r"[0-9↑↓→·▁▂▃▄▅▆▇█]")
AUTUMN_WEEK = date(2026, 10, 19)  # Monday; summer time ends on Sunday 25 Oct
SPRING_WEEK = date(2026, 3, 23)  # Monday; summer time starts on Sunday 29 Mar
BEFORE = AUTUMN_WEEK - timedelta(days=7)


def local(day: date, hour: int = 21, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


def week(start: date, key: str, ratings: list[int | None], hour: int = 21) -> list[Entry]:
    """One check-in per day of the week from ``start``; None leaves the day out."""
    return [
        Entry(key, rating, local(start + timedelta(days=n), hour))
        for n, rating in enumerate(ratings)
        if rating is not None
    ]


def texts(case: str) -> set[str]:
    """Every closing text of one case (summary_<case>_<n>)."""
    prefix = f"summary_{case}_"
    return {render(k) for k in keys() if k.startswith(prefix) and k[len(prefix) :].isdigit()}


def closing(text: str) -> str:
    return text.rsplit("\n\n", 1)[-1]


def body(text: str) -> str:
    """Everything below the title (whose dates are the only numbers allowed)."""
    title, rest = text.split("\n\n", 1)
    assert title.startswith("Your week, ")
    return rest


def test_every_case_has_several_texts() -> None:
    for case in Shape:
        assert len(texts(case)) >= 3, case


def test_a_falling_week_names_the_showing_up_and_asks_no_lesson() -> None:
    history = [
        *week(BEFORE, "body_scan", [4, 4, 5, 4, 4]),
        *week(AUTUMN_WEEK, "body_scan", [2, 3, None, 2]),
        *week(AUTUMN_WEEK, "small_wins", [None, None, 3]),  # new this week: no comparison
    ]
    text = weekly_summary(history, BERLIN, AUTUMN_WEEK, [], "en")
    assert text == (
        "Your week, 19 Oct to 25 Oct\n\n"
        "This week you made room for:\n"
        "Bedtime body scan: it felt “A bit tense” at times and “Somewhere between” at others.\n"
        "Small wins: it felt “Quietly good”.\n\n" + closing(text)
    )
    assert closing(text) in texts("falling")
    for said in texts("falling"):
        assert "learn" not in said and "?" not in said
        assert re.search(r"came back|made room|showed up|kept a little space", said), said
        assert "curious" in said or "notice" in said, said
    assert not GRADES.search(body(text))


def test_a_rising_week_is_enjoyed_without_making_higher_the_goal() -> None:
    history = [
        *week(BEFORE, "body_scan", [2, 2, 3]),
        *week(AUTUMN_WEEK, "body_scan", [4, 4, None, 5]),
        *week(AUTUMN_WEEK, "breath", [None, None, 4], hour=8),
    ]
    text = weekly_summary(history, BERLIN, AUTUMN_WEEK, ["first:breath"], "en")
    assert (
        "Bedtime body scan: it felt “Mostly at ease” at times and “Soft and settled” at others."
        in text
    )
    assert "Breath and grounding: it felt “Fairly grounded”." in text
    assert "Reached this week: First check-in: Breath and grounding\n\n" in text
    assert closing(text) in texts("rising")
    for said in texts("rising"):
        assert not re.search(r"\b(?:higher|more|better|again|keep going)\b", said), said


@pytest.mark.parametrize(
    ("before", "now"),
    [
        ([3, 3, 3], [3, 3, 3]),  # level
        ([3, 3], [3, 3, 4]),  # moved by less than half a point
        (None, [1, 2, 5]),  # nothing to compare with
    ],
    ids=["level", "small_move", "first_week"],
)
def test_a_flat_week_is_met_calmly(before: list[int | None] | None, now: list[int | None]) -> None:
    history = week(AUTUMN_WEEK, "daily_checkin", now)
    if before is not None:
        history += week(BEFORE, "daily_checkin", before)
    text = weekly_summary(history, BERLIN, AUTUMN_WEEK, [], "en")
    assert closing(text) in texts("calm")
    assert not GRADES.search(body(text))


def test_a_mixed_week_is_met_calmly() -> None:
    history = [
        *week(BEFORE, "body_scan", [2, 2]),
        *week(AUTUMN_WEEK, "body_scan", [4, 4]),
        *week(BEFORE, "breath", [5, 5]),
        *week(AUTUMN_WEEK, "breath", [3, 3]),
    ]
    assert closing(weekly_summary(history, BERLIN, AUTUMN_WEEK, [], "en")) in texts("calm")


def test_half_a_point_is_where_a_week_turns() -> None:
    lighter = {"breath": [4, 3]}
    assert week_shape(lighter, {"breath": [3]}) == Shape.RISING  # 3.5 against 3
    assert week_shape({"breath": [3]}, {"breath": [4, 3]}) == Shape.FALLING
    assert week_shape({"breath": [3, 3, 4]}, {"breath": [3]}) == Shape.CALM  # a third only
    assert week_shape({}, {"breath": [3]}) == Shape.QUIET


def test_a_sparse_week_has_no_mark_for_the_empty_days() -> None:
    history = [
        *week(BEFORE, "breath", [3, 3, 3, 3, 3, 3, 3], hour=8),
        *week(AUTUMN_WEEK, "breath", [None, None, None, None, 3], hour=8),
    ]
    text = weekly_summary(history, BERLIN, AUTUMN_WEEK, [], "en")
    assert body(text).startswith(
        "This week you made room for:\nBreath and grounding: it felt “Partly here”.\n\n"
    )
    assert closing(text) in texts("calm")
    assert not GRADES.search(body(text))
    practices = body(text).removesuffix(closing(text))
    assert not re.search(r"\bof (?:seven|7)\b|\bcheck-ins?\b|\bdays?\b", practices)


def test_a_quiet_week_is_met_warmly_without_counting() -> None:
    history = week(BEFORE, "breath", [4, 4, 4])
    text = weekly_summary(history, BERLIN, AUTUMN_WEEK, [], "en")
    assert text == f"Your week, 19 Oct to 25 Oct\n\n{closing(text)}"
    assert closing(text) in texts("quiet")
    assert weekly_summary([], BERLIN, AUTUMN_WEEK, [], "en") == text


def test_many_shades_of_a_practice_are_said_as_a_range() -> None:
    history = week(AUTUMN_WEEK, "kind_words", [3, 1, 5, 2])
    text = weekly_summary(history, BERLIN, AUTUMN_WEEK, [], "en")
    felt = "Kind words to yourself: it felt many ways, “Very hard” and “Warm and easy” among them."
    assert felt in text


def test_practices_in_catalogue_order_and_a_retired_one_without_labels() -> None:
    history = [
        *week(AUTUMN_WEEK, "retired_practice", [4]),
        *week(AUTUMN_WEEK, "kind_words", [None, 3]),
        *week(AUTUMN_WEEK, "body_scan", [None, None, 3]),
        *week(AUTUMN_WEEK, "daily_checkin", [None, None, None, 4]),
    ]
    text = weekly_summary(history, BERLIN, AUTUMN_WEEK, [], "en")
    order = [text.index(name) for name in ("Bedtime", "Daily", "Kind", "An earlier practice")]
    assert order == sorted(order)
    assert "An earlier practice: you made room for it." in text
    assert not GRADES.search(body(text)) and not MARKUP.search(text)


@pytest.mark.parametrize("start", [AUTUMN_WEEK, SPRING_WEEK])
def test_days_are_local_across_a_dst_change(start: date) -> None:
    sunday = start + timedelta(days=6)
    history = [
        # 00:30 local on Monday is still Sunday in UTC: it belongs to this week, first day.
        Entry("breath", 1, local(start, 0, 30)),
        # 23:30 local on the Sunday of the change is that Sunday: last day of this week.
        Entry("breath", 5, local(sunday, 23, 30)),
        # 23:30 local on the Sunday before belongs to the week before.
        Entry("breath", 2, local(start - timedelta(days=1), 23, 30)),
        # 00:30 local on the next Monday belongs to the next week.
        Entry("breath", 3, local(sunday + timedelta(days=1), 0, 30)),
    ]
    assert history[0].practiced_at.date() == start - timedelta(days=1)
    text = weekly_summary(history, BERLIN, start, [], "en")
    assert "Breath and grounding: it felt “Scattered” at times and “Calm and present”" in text
    # 3 this week against 2 the week before: lighter, by the local days.
    assert closing(text) in texts("rising")


def test_consecutive_weeks_never_close_the_same_way() -> None:
    for case, history_of in [
        ("quiet", lambda start: []),
        ("calm", lambda start: week(start, "breath", [3])),
    ]:
        closings = [
            closing(weekly_summary(history_of(s), BERLIN, s, [], "en"))
            for s in (AUTUMN_WEEK + timedelta(weeks=n) for n in range(10))
        ]
        assert all(c in texts(case) for c in closings)
        assert all(a != b for a, b in itertools.pairwise(closings))
        assert set(closings) == texts(case)  # every text takes its turn


def test_the_same_week_always_reads_the_same() -> None:
    history = week(AUTUMN_WEEK, "breath", [3, 4])
    first = weekly_summary(history, BERLIN, AUTUMN_WEEK, [], "en")
    assert weekly_summary(list(reversed(history)), BERLIN, AUTUMN_WEEK, [], "en") == first


def test_milestones_listed_once_and_unknown_keys_left_out() -> None:
    history = week(AUTUMN_WEEK, "breath", [3])
    milestones = ["total_3", "total_3", "no_such_milestone", "welcome_back:2026-10-19"]
    text = weekly_summary(history, BERLIN, AUTUMN_WEEK, milestones, "en")
    assert "\n\nReached this week: 3 check-ins; Coming back\n\n" in text


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
    assert closing(text) in texts("calm")
    assert "Reached this week:" in text
