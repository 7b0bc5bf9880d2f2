"""Milestone rules on hand-built histories: firsts, totals, coming back, growth, named steps,
and the kinds retired because they graded frequency or a rating."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from messages import ritual_text
from progress.history import Entry
from progress.milestones import (
    COMEBACK_DAYS,
    TOTALS,
    is_celebrated,
    milestone_message,
    milestone_name,
    new_milestones,
    welcome_back,
    win_milestone,
)
from progress.summary import weekly_summary
from progress.wins import WIN_KINDS
from tests.unit.milestone_reads import bounded_milestones

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def local(zone: ZoneInfo, day: date, hour: int = 21, minute: int = 0) -> datetime:
    """Return the UTC instant of a local wall time (fold=0, as everywhere in Attune)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)


def entry(key: str, rating: int, when: datetime, *, note: bool = False) -> Entry:
    return Entry(key, rating, when, has_note=note)


def replay(history: list[Entry], zone: ZoneInfo) -> list[list[str]]:
    """Feed check-ins one by one as the bot would, accumulating what was reached."""
    reached: set[str] = set()
    found = []
    for index, item in enumerate(history):
        new = new_milestones(
            item, zone, earlier=history[:index], total=index + 1, reached=frozenset(reached)
        )
        reached |= set(new)
        found.append(new)
    return found


def test_nothing_without_data() -> None:
    latest = entry("breath", 5, local(BERLIN, date(2026, 5, 4)), note=True)
    assert new_milestones(latest, BERLIN, earlier=[], total=0, reached=frozenset()) == []


def test_first_check_in_ever_in_order_of_notability() -> None:
    latest = entry("needs_boundaries", 5, local(BERLIN, date(2026, 5, 3), 19), note=True)
    assert new_milestones(latest, BERLIN, earlier=[], total=1, reached=frozenset()) == [
        "first_weekly",
        "first:needs_boundaries",
        "first_note",
    ]


def test_reached_keys_are_never_returned_again() -> None:
    latest = entry("breath", 3, local(BERLIN, date(2026, 5, 3)))
    reached = frozenset({"first:breath"})
    assert new_milestones(latest, BERLIN, earlier=[], total=1, reached=reached) == []


def test_firsts_are_per_ritual_and_weekly_follows_the_catalogue_cadence() -> None:
    day = date(2026, 5, 4)
    history = [
        entry("body_scan", 3, local(BERLIN, day, 22)),  # daily
        entry("body_scan", 2, local(BERLIN, day + timedelta(days=1), 22)),
        entry("reframing_journal", 3, local(BERLIN, day + timedelta(days=1), 21)),  # 3 days
        entry("small_wins", 4, local(BERLIN, day + timedelta(days=4), 18), note=True),  # Fri
        entry("sensory_awareness", 4, local(BERLIN, day + timedelta(days=9), 21)),  # Wed
    ]
    found = replay(history, BERLIN)
    assert found[0] == ["first:body_scan"]
    assert found[1] == []
    assert found[2] == ["total_3", "first:reframing_journal"]
    assert found[3] == ["first_weekly", "first:small_wins", "first_note"]  # 3 days of 7
    assert found[4] == ["first:sensory_awareness"]  # a weekly ritual, but not the first


def test_totals_count_check_ins_in_all_never_consecutive_days() -> None:
    start = date(2026, 1, 5)
    # One check-in every third day: nothing consecutive, and totals still arrive.
    history = [
        entry("breath", 3, local(BERLIN, start + timedelta(days=3 * n), 8)) for n in range(100)
    ]
    totals = {
        index + 1: [key for key in keys if key.startswith("total_")]
        for index, keys in enumerate(replay(history, BERLIN))
    }
    assert {count for count, keys in totals.items() if keys} == set(TOTALS)
    assert all(keys == [f"total_{count}"] for count, keys in totals.items() if keys)


# Retired: what graded how often someone practised, or how high a rating was.


def test_a_week_of_daily_practice_reaches_firsts_and_totals_only() -> None:
    # Every day of two weeks, some at 5: once four_of_seven and first_five, now nothing.
    start = date(2026, 10, 19)
    history = [
        entry("breath", 5, local(BERLIN, start + timedelta(days=n), 23, 30)) for n in range(14)
    ]
    found = [key for keys in replay(history, BERLIN) for key in keys]
    assert found == ["first:breath", "total_3", "total_7", "total_14"]


@pytest.mark.parametrize("key", ["four_of_seven:2026-W44", "first_five:breath"])
def test_retired_kinds_are_never_named_or_celebrated(key: str) -> None:
    assert not is_celebrated(key)
    with pytest.raises(KeyError):
        milestone_message(key, "en")
    with pytest.raises(KeyError):
        milestone_name(key, "en")


def test_a_week_that_reached_retired_kinds_lists_only_the_others() -> None:
    # Reached before they were retired: the rows stay, and the summary does not name them.
    week = date(2026, 10, 19)
    history = [entry("breath", 5, local(BERLIN, week))]
    keys = ["four_of_seven:2026-W43", "first_five:breath", "first:breath", "win:no"]
    text = weekly_summary(history, BERLIN, week, keys, "en")
    assert "Reached this week: First check-in: Breath and grounding; First no you meant\n" in text


# Coming back: the first check-in after 14 whole local days without one.


def test_welcome_back_after_fourteen_whole_local_days_across_spring_dst() -> None:
    # 14 Mar 23:30 CET to 29 Mar 00:30 CEST: 14 days and 1 hour less than 15 in hours, but
    # the 14 local days from 15 to 28 March passed without a check-in.
    before = local(BERLIN, date(2026, 3, 14), 23, 30)
    back = local(BERLIN, date(2026, 3, 29), 0, 30)
    assert back - before < timedelta(days=15)
    assert welcome_back(back, before, BERLIN) == ["welcome_back:2026-03-29"]


def test_no_welcome_back_after_thirteen_days_between() -> None:
    # A weekly practice with one week let go: Sunday to Sunday two weeks later.
    before = local(BERLIN, date(2026, 3, 1), 8)
    back = local(BERLIN, date(2026, 3, 15), 23, 59)
    assert COMEBACK_DAYS == 14
    assert welcome_back(back, before, BERLIN) == []


def test_no_welcome_for_the_very_first_check_in() -> None:
    assert welcome_back(local(BERLIN, date(2026, 3, 15)), None, BERLIN) == []


def test_a_gap_is_welcomed_once_a_second_check_in_that_day_is_not() -> None:
    first = local(BERLIN, date(2026, 1, 2), 8)
    back = local(BERLIN, date(2026, 4, 2), 8)
    again = local(BERLIN, date(2026, 4, 2), 22)
    assert welcome_back(back, first, BERLIN) == ["welcome_back:2026-04-02"]
    assert welcome_back(again, back, BERLIN) == []


def test_coming_back_is_no_rule_of_the_history() -> None:
    # It reads when check-ins were made (one indexed step back), never the whole history.
    first = entry("breath", 4, local(BERLIN, date(2026, 1, 2), 8))
    back = entry("breath", 4, local(BERLIN, date(2026, 4, 2), 8))
    assert replay([first, back], BERLIN) == [["first:breath"], []]


def test_welcome_back_message_says_nothing_about_the_gap() -> None:
    text = milestone_message("welcome_back:2026-03-29", "en")
    assert "Welcome back" in text
    assert not re.search(r"\d|\bdays?\b|\bweeks?\b|\bmonths?\b|\bwhile\b|\baway\b", text)


# Growth: 14 local days ending with latest's day, against the 14 before.


def growth_history(previous: list[int], current: list[int], key: str = "body_scan") -> list[Entry]:
    """Ratings spread over the two windows ending on 2026-10-31, at 23:30 Berlin time."""
    end = date(2026, 10, 31)  # the windows span the end of summer time on 25 Oct
    old = [
        entry(key, r, local(BERLIN, end - timedelta(days=27 - n), 23, 30))
        for n, r in enumerate(previous)
    ]
    new = [
        entry(key, r, local(BERLIN, end - timedelta(days=len(current) - 1 - n), 23, 30))
        for n, r in enumerate(current)
    ]
    return old + new


def growth_keys(history: list[Entry], reached: frozenset[str] = frozenset()) -> list[str]:
    """The growth the last check-in reaches; what a tap reads finds the same."""
    latest, others, total = history[-1], history[:-1], len(history)
    found = new_milestones(latest, BERLIN, earlier=others, total=total, reached=reached)
    assert bounded_milestones(latest, BERLIN, others, total, reached) == found
    return [key for key in found if "growth" in key]


def test_growth_exactly_half_a_point() -> None:
    history = growth_history([3, 3, 3, 3, 3, 3], [3, 3, 4, 4, 4, 3])  # 3.0 -> 3.5
    assert growth_keys(history) == ["growth:body_scan:2026-10-31"]


def test_growth_exactly_half_a_point_with_thirds() -> None:
    history = growth_history([2, 2, 2, 3, 3, 2], [3, 3, 3, 3, 3, 2])  # 14/6 -> 17/6
    assert growth_keys(history) == ["growth:body_scan:2026-10-31"]


@pytest.mark.parametrize(
    ("previous", "current"),
    [
        ([3, 3, 3, 3, 3], [3, 3, 3, 4, 4]),  # 0.4
        ([3, 3, 3, 3, 3, 4], [3, 4, 4, 4, 3]),  # 0.43
        ([3, 3, 3, 3, 3], [4, 4, 4, 3, 3, 4, 3, 3, 3, 3, 3]),  # 0.45
    ],
)
def test_growth_just_under_half_a_point(previous: list[int], current: list[int]) -> None:
    assert growth_keys(growth_history(previous, current)) == []


@pytest.mark.parametrize(
    ("previous", "current"), [([1, 1, 1, 1], [5, 5, 5, 5, 5]), ([1, 1, 1, 1, 1], [5, 5, 5, 5])]
)
def test_growth_needs_five_ratings_in_each_window(previous: list[int], current: list[int]) -> None:
    assert growth_keys(growth_history(previous, current)) == []


def test_growth_windows_are_local_days() -> None:
    # The oldest rating sits at 23:30 local on 4 Oct, the first day of the earlier window; in
    # UTC it is 21:30 on 4 Oct as well, but 00:30 local on 18 Oct would be 17 Oct in UTC.
    history = growth_history([3, 3, 3, 3, 3], [4, 4, 4, 4])
    history.insert(5, entry("body_scan", 4, local(BERLIN, date(2026, 10, 18), 0, 30)))
    assert history[5].practiced_at.date() == date(2026, 10, 17)
    assert growth_keys(history) == ["growth:body_scan:2026-10-31"]


def test_growth_at_most_once_per_ritual_in_fourteen_days() -> None:
    history = growth_history([1, 1, 1, 1, 1], [4, 4, 4, 4, 4])
    assert growth_keys(history, frozenset({"growth:body_scan:2026-10-18"})) == []
    # A late tap may have reached it on a later day: 13 days after holds this one back too.
    assert growth_keys(history, frozenset({"growth:body_scan:2026-11-13"})) == []
    assert growth_keys(history, frozenset({"growth:body_scan:2026-11-14"})) != []
    assert growth_keys(history, frozenset({"growth:body_scan:2026-10-17"})) == [
        "growth:body_scan:2026-10-31"
    ]
    # Another ritual's growth does not hold this one back.
    assert growth_keys(history, frozenset({"growth:breath:2026-10-30"})) != []


def test_growth_is_only_for_the_ritual_just_rated() -> None:
    history = growth_history([1, 1, 1, 1, 1], [4, 4, 4, 4, 4])
    history.append(entry("breath", 3, local(BERLIN, date(2026, 10, 31), 8)))
    history.sort(key=lambda item: item.practiced_at)
    breath = next(item for item in history if item.ritual_key == "breath")
    others = [item for item in history if item is not breath]
    found = new_milestones(breath, BERLIN, earlier=others, total=len(history), reached=set())
    assert not any("growth" in key for key in found)


# Messages.


@pytest.mark.parametrize(
    "key",
    [
        "first:breath",
        "first_note",
        "first_weekly",
        *(f"total_{count}" for count in TOTALS),
        "welcome_back:2026-03-29",
        "growth:breath:2026-10-31",
        *(f"win:{kind}" for kind in WIN_KINDS),
    ],
)
def test_every_kind_has_its_own_message_and_short_name(key: str) -> None:
    message, name = milestone_message(key, "en"), milestone_name(key, "en")
    assert message.strip() and name.strip() and message != name
    if ":breath" in key:
        breath = ritual_text("breath", "en").name
        assert breath in message and breath in name


def test_messages_differ_per_rule() -> None:
    keys = ["first:breath", "first_note", "first_weekly", "total_3"]
    keys += ["welcome_back:2026-01-01", "growth:breath:2026-01-01"]
    keys += [win_milestone(kind) for kind in WIN_KINDS]
    assert len({milestone_message(key, "en") for key in keys}) == len(keys)
    assert len({milestone_name(key, "en") for key in keys}) == len(keys)


def test_growth_speaks_of_the_practice_never_of_ratings_or_numbers() -> None:
    for text in (
        milestone_message("growth:breath:2026-01-01", "en"),
        milestone_name("growth:breath:2026-01-01", "en"),
    ):
        assert not re.search(r"\d|rating|score|higher|average|mean", text, re.IGNORECASE)


# Named steps: the first of each kind is a milestone, with no number in it.


def test_each_kind_of_step_has_its_own_milestone() -> None:
    assert [win_milestone(kind) for kind in WIN_KINDS] == [f"win:{kind}" for kind in WIN_KINDS]
    with pytest.raises(KeyError):
        win_milestone("bravery")


@pytest.mark.parametrize("kind", WIN_KINDS)
def test_a_named_step_is_celebrated_without_counting(kind: str) -> None:
    message = milestone_message(win_milestone(kind), "en")
    first, *rest = message.split("\n")
    assert rest and len(first) <= 40  # a short, calm first line for a locked phone
    assert not re.search(r"\d|\b(?:times?|week|count\w*|again)\b", message, re.IGNORECASE)


def test_a_retired_ritual_still_renders() -> None:
    assert "An earlier practice" in milestone_message("first:retired_ritual", "en")


@pytest.mark.parametrize(
    "key", ["", "first", "total_5", "growth:breath", "welcome_back", "x:y", "win:", "win:brave"]
)
def test_unknown_keys_are_refused(key: str) -> None:
    with pytest.raises(KeyError):
        milestone_message(key, "en")
