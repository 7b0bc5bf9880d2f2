"""Which /progress picture suits a history, and its caption: the shape of the data decides."""

from __future__ import annotations

import struct
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from messages import render, ritual_text, rituals
from progress.history import Entry
from progress.picture import (
    CAPTION_LIMIT,
    Picture,
    View,
    choose_picture,
    picture_caption,
    render_picture,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)  # Friday, 22:00 in Berlin
KEYS = [item.key for item in rituals()]


def daily(days: int, keys: list[str], *, every: int = 1, ending: int = 0) -> list[Entry]:
    """A rating a day (or every few days) for each practice, over ``days`` days to today."""
    return [
        Entry(key, 1 + (day + index) % 5, NOW - timedelta(days=ending + day, minutes=index))
        for index, key in enumerate(keys)
        for day in range(0, days, every)
    ]


def test_nothing_to_draw_without_a_check_in_in_the_last_twelve_months() -> None:
    assert choose_picture([], BERLIN, NOW) is None
    # 1 November 2025 is before the twelve calendar months that end with November 2026.
    old = [Entry("breath", 3, datetime(2025, 11, 30, 12, tzinfo=UTC))]
    assert choose_picture(old, BERLIN, NOW) is None


@pytest.mark.parametrize("keys", [["breath"], KEYS], ids=["one practice", "eight"])
def test_a_few_days_are_the_recent_chart_over_two_weeks(keys: list[str]) -> None:
    picture = choose_picture(daily(3, keys), BERLIN, NOW)
    assert picture == Picture(View.RECENT, 14, date(2026, 11, 14), tuple(keys))


@pytest.mark.parametrize("keys", [["breath"], KEYS], ids=["one practice", "eight"])
def test_a_month_is_the_recent_chart_over_five_weeks(keys: list[str]) -> None:
    picture = choose_picture(daily(31, keys), BERLIN, NOW)
    assert picture == Picture(View.RECENT, 35, date(2026, 10, 24), tuple(keys))


@pytest.mark.parametrize("keys", [["breath"], KEYS], ids=["one practice", "eight"])
def test_a_year_is_the_year_picture_of_twelve_months(keys: list[str]) -> None:
    picture = choose_picture(daily(365, keys), BERLIN, NOW)
    assert picture == Picture(View.YEAR, 12, date(2025, 12, 1), tuple(keys))


def test_just_past_five_weeks_is_the_year_picture_from_the_first_month() -> None:
    # The first check-in on 23 October, 36 local days ago: October and November are drawn.
    history = daily(36, ["body_scan"])
    assert history[-1].practiced_at.astimezone(BERLIN).date() == date(2026, 10, 23)
    picture = choose_picture(history, BERLIN, NOW)
    assert picture == Picture(View.YEAR, 2, date(2026, 10, 1), ("body_scan",))


def test_the_window_is_counted_in_the_persons_local_days() -> None:
    # 23:30 on 24 October in Berlin is 21:30 UTC: inside the 35 local days that end today.
    late = Entry("breath", 4, datetime(2026, 10, 24, 21, 30, tzinfo=UTC))
    picture = choose_picture([late], BERLIN, NOW)
    assert picture is not None and picture.view is View.RECENT and picture.span == 35
    # In Los Angeles that instant is 14:30 on 24 October, and today is 27 November there too.
    assert choose_picture([late], ZoneInfo("America/Los_Angeles"), NOW) == Picture(
        View.RECENT, 35, date(2026, 10, 24), ("breath",)
    )
    # An hour earlier is 22:30 on 23 October in Berlin: 36 local days ago, past the window.
    earlier = Entry("breath", 4, datetime(2026, 10, 23, 20, 30, tzinfo=UTC))
    assert choose_picture([earlier], BERLIN, NOW) == Picture(
        View.YEAR, 2, date(2026, 10, 1), ("breath",)
    )


def test_only_practices_with_check_ins_in_the_window_are_drawn_and_named() -> None:
    # Kind words were practised long ago, body scans lately: only the body scan is drawn.
    history = [
        Entry("kind_words", 3, datetime(2025, 6, 1, 12, tzinfo=UTC)),
        *daily(10, ["body_scan"]),
    ]
    picture = choose_picture(history, BERLIN, NOW)
    assert picture is not None and picture.keys == ("body_scan",)
    caption = picture_caption(picture, "en", discreet=False)
    assert ritual_text("body_scan").name in caption
    assert ritual_text("kind_words").name not in caption


def test_check_ins_dated_after_now_are_not_drawn() -> None:
    future = [Entry("breath", 3, NOW + timedelta(days=2))]
    assert choose_picture(future, BERLIN, NOW) is None


def test_captions_name_the_practices_outside_discreet_mode_only() -> None:
    recent = choose_picture(daily(20, ["breath", "body_scan"]), BERLIN, NOW)
    year = choose_picture(daily(365, ["breath", "body_scan"]), BERLIN, NOW)
    assert recent is not None and year is not None
    names = "; ".join(ritual_text(key).name for key in ("body_scan", "breath"))
    assert picture_caption(recent, "en", discreet=False) == render(
        "chart_caption", "en", days=35, names=names
    )
    assert picture_caption(year, "en", discreet=False) == render(
        "year_caption", "en", since="Dec 2025", names=names
    )
    assert picture_caption(recent, "en", discreet=True) == render("chart_caption_discreet", "en")
    assert picture_caption(year, "en", discreet=True) == render("year_caption_discreet", "en")
    for picture in (recent, year):
        discreet = picture_caption(picture, "en", discreet=True).lower()
        for item in rituals():
            assert ritual_text(item.key).name.lower() not in discreet


def test_a_caption_stays_within_telegrams_limit() -> None:
    picture = Picture(View.YEAR, 12, date(2025, 12, 1), tuple(KEYS) * 20)
    assert len(picture_caption(picture, "en", discreet=False)) <= CAPTION_LIMIT


@pytest.mark.parametrize(
    ("history", "size"),
    [
        (daily(3, ["breath"]), (720, 602)),  # the recent chart: one practice, one legend row
        (daily(365, KEYS), (720, 1156)),  # the year: 12 calendar rows, 4 rows of panels
        (daily(365, ["breath"]), (720, 664)),  # the year: one panel
    ],
    ids=["recent", "year of eight", "year of one"],
)
def test_the_chosen_picture_is_drawn(history: list[Entry], size: tuple[int, int]) -> None:
    picture = choose_picture(history, BERLIN, NOW)
    assert picture is not None
    png = render_picture(picture, history, BERLIN, NOW, "en", discreet=True)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", png[16:24]) == size


def test_choosing_a_picture_and_starting_the_bot_do_not_load_matplotlib() -> None:
    # matplotlib costs start-up time and memory; it is loaded by the first picture drawn.
    code = (
        "import sys, bot.app, progress.picture\n"
        "from progress.picture import choose_picture\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
