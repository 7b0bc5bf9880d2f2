"""Milestone rules on hand-built histories: firsts, totals, rhythm, coming back, growth."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from messages import ritual_text
from progress.history import Entry
from progress.milestones import TOTALS, milestone_message, milestone_name, new_milestones

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
        new = new_milestones(history[: index + 1], item, zone, frozenset(reached))
        reached |= set(new)
        found.append(new)
    return found


def test_nothing_without_data() -> None:
    latest = entry("breath", 5, local(BERLIN, date(2026, 5, 4)), note=True)
    assert new_milestones([], latest, BERLIN, frozenset()) == []


def test_first_check_in_ever_in_order_of_notability() -> None:
    latest = entry("needs_boundaries", 5, local(BERLIN, date(2026, 5, 3), 19), note=True)
    assert new_milestones([latest], latest, BERLIN, frozenset()) == [
        "first_five:needs_boundaries",
        "first_weekly",
        "first:needs_boundaries",
        "first_note",
    ]


def test_reached_keys_are_never_returned_again() -> None:
    latest = entry("breath", 3, local(BERLIN, date(2026, 5, 3)))
    assert new_milestones([latest], latest, BERLIN, frozenset({"first:breath"})) == []


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


def test_first_five_once_per_ritual() -> None:
    day = date(2026, 6, 1)
    history = [
        entry("kind_words", 5, local(BERLIN, day, 9)),
        entry("kind_words", 5, local(BERLIN, day + timedelta(days=1), 9)),
        entry("breath", 5, local(BERLIN, day + timedelta(days=1), 8)),
    ]
    fives = [
        [key for key in keys if key.startswith("first_five")] for keys in replay(history, BERLIN)
    ]
    assert fives == [["first_five:kind_words"], [], ["first_five:breath"]]


# Four of the last seven days, on local days.


def test_four_of_seven_counts_local_days_not_utc_days() -> None:
    # Mon 23:30 and Tue 00:30 in Berlin are one UTC day (21:30 and 22:30 UTC) but two local days.
    history = [
        entry("breath", 3, local(BERLIN, date(2026, 6, 6), 10)),  # Sat
        entry("breath", 3, local(BERLIN, date(2026, 6, 7), 10)),  # Sun
        entry("body_scan", 3, local(BERLIN, date(2026, 6, 8), 23, 30)),  # Mon
        entry("body_scan", 3, local(BERLIN, date(2026, 6, 9), 0, 30)),  # Tue
    ]
    assert history[2].practiced_at.date() == history[3].practiced_at.date()
    found = new_milestones(history, history[-1], BERLIN, frozenset({"total_3"}))
    assert "four_of_seven:2026-W24" in found


def test_four_of_seven_needs_four_distinct_days_within_seven() -> None:
    days = [date(2026, 6, 1), date(2026, 6, 3), date(2026, 6, 5), date(2026, 6, 8)]  # 8 days
    history = [entry("breath", 3, local(BERLIN, day, 8)) for day in days]
    history.append(entry("daily_checkin", 3, local(BERLIN, date(2026, 6, 8), 20)))  # same day
    assert not any(
        key.startswith("four_of_seven") for keys in replay(history, BERLIN) for key in keys
    )


def test_a_check_in_at_2330_local_belongs_to_that_day_and_its_iso_week() -> None:
    # Sunday 1 Nov 2026, the day New York leaves DST: 23:30 EST is 04:30 UTC on Monday (W45).
    sunday = date(2026, 11, 1)
    history = [
        entry("breath", 3, local(NEW_YORK, sunday - timedelta(days=offset), 23, 30))
        for offset in (3, 2, 1, 0)
    ]
    assert history[-1].practiced_at.date() == date(2026, 11, 2)
    found = new_milestones(history, history[-1], NEW_YORK, frozenset())
    assert "four_of_seven:2026-W44" in found


def test_four_of_seven_again_in_another_week_but_once_per_week() -> None:
    start = date(2026, 10, 19)  # Monday; Berlin leaves summer time on Sunday 25 Oct
    history = [
        entry("breath", 3, local(BERLIN, start + timedelta(days=n), 23, 30)) for n in range(14)
    ]
    rhythm = [key for keys in replay(history, BERLIN) for key in keys if "four_of_seven" in key]
    assert rhythm == ["four_of_seven:2026-W43", "four_of_seven:2026-W44"]


# Coming back.


def test_welcome_back_after_seven_local_days_across_spring_dst() -> None:
    # 22 Mar 23:30 CET to 29 Mar 00:30 CET: only 6 days and 1 hour apart, but 7 local days.
    before = entry("body_scan", 3, local(BERLIN, date(2026, 3, 22), 23, 30))
    back = entry("body_scan", 2, local(BERLIN, date(2026, 3, 29), 0, 30))
    assert back.practiced_at - before.practiced_at < timedelta(days=7)
    found = new_milestones([before, back], back, BERLIN, frozenset())
    assert found == ["welcome_back:2026-03-29"]


def test_no_welcome_back_after_six_days() -> None:
    before = entry("body_scan", 3, local(BERLIN, date(2026, 3, 22), 8))
    back = entry("body_scan", 2, local(BERLIN, date(2026, 3, 28), 23, 59))
    assert new_milestones([before, back], back, BERLIN, frozenset()) == []


def test_welcome_back_message_says_nothing_about_the_gap() -> None:
    text = milestone_message("welcome_back:2026-03-29", "en")
    assert "Welcome back" in text
    assert not re.search(r"\d|\bdays?\b|\bweeks?\b|\bmonths?\b|\bwhile\b|\baway\b", text)


def test_long_gap_then_a_second_check_in_the_same_day() -> None:
    first = entry("breath", 4, local(BERLIN, date(2026, 1, 2), 8))
    back = entry("breath", 4, local(BERLIN, date(2026, 4, 2), 8))
    again = entry("body_scan", 4, local(BERLIN, date(2026, 4, 2), 22))
    found = replay([first, back, again], BERLIN)
    assert found[1] == ["welcome_back:2026-04-02"]
    assert found[2] == ["total_3", "first:body_scan"]


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
    return [
        key for key in new_milestones(history, history[-1], BERLIN, reached) if "growth" in key
    ]


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
    assert not any("growth" in key for key in new_milestones(history, breath, BERLIN, frozenset()))


# Messages.


@pytest.mark.parametrize(
    "key",
    [
        "first:breath",
        "first_note",
        "first_weekly",
        *(f"total_{count}" for count in TOTALS),
        "four_of_seven:2026-W44",
        "welcome_back:2026-03-29",
        "growth:breath:2026-10-31",
        "first_five:breath",
    ],
)
def test_every_kind_has_its_own_message_and_short_name(key: str) -> None:
    message, name = milestone_message(key, "en"), milestone_name(key, "en")
    assert message.strip() and name.strip() and message != name
    if ":breath" in key:
        breath = ritual_text("breath", "en").name
        assert breath in message and breath in name


def test_messages_differ_per_rule() -> None:
    keys = ["first:breath", "first_note", "first_weekly", "total_3", "four_of_seven:2026-W01"]
    keys += ["welcome_back:2026-01-01", "growth:breath:2026-01-01", "first_five:breath"]
    assert len({milestone_message(key, "en") for key in keys}) == len(keys)


def test_a_retired_ritual_still_renders() -> None:
    assert "An earlier practice" in milestone_message("first:retired_ritual", "en")


@pytest.mark.parametrize("key", ["", "first", "total_5", "growth:breath", "welcome_back", "x:y"])
def test_unknown_keys_are_refused(key: str) -> None:
    with pytest.raises(KeyError):
        milestone_message(key, "en")
