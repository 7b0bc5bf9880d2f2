"""Tests for scheduler.local_time: parsing typed wall times and formatting them back."""

from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.local_time import format_local_time, parse_local_time


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("21:30", time(21, 30)),
        ("21:30 Uhr", time(21, 30)),
        ("7 Uhr", time(7, 0)),
        ("21.30uhr", time(21, 30)),
        ("21 h", time(21, 0)),
        ("9:30", time(9, 30)),
        ("09:05", time(9, 5)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("21.30", time(21, 30)),
        ("21:30:45", time(21, 30)),  # seconds dropped
        ("2130", time(21, 30)),
        ("0905", time(9, 5)),
        ("930", time(9, 30)),
        ("9", time(9, 0)),
        ("21", time(21, 0)),
        ("9pm", time(21, 0)),
        ("9 pm", time(21, 0)),
        ("9 PM", time(21, 0)),
        ("9:30 pm", time(21, 30)),
        ("9:30PM", time(21, 30)),
        ("9.30pm", time(21, 30)),
        ("9 p.m.", time(21, 0)),
        ("7am", time(7, 0)),
        ("7:15 a.m.", time(7, 15)),
        ("12am", time(0, 0)),
        ("12:30am", time(0, 30)),
        ("12pm", time(12, 0)),
        ("12:45 pm", time(12, 45)),
        ("21h", time(21, 0)),
        ("21h30", time(21, 30)),
        ("21 h 30", time(21, 30)),
        ("7H05", time(7, 5)),
        ("  21:30  ", time(21, 30)),
    ],
)
def test_parse_local_time_accepts(typed: str, expected: time) -> None:
    assert parse_local_time(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "25:99",
        "24:00",
        "24",
        "23:60",
        "2400",
        "13pm",
        "0am",
        "0pm",
        "12:60pm",
        "-5",
        "-5:00",
        "9:5",
        "9:",
        ":30",
        "21:30:",
        "12345",
        "9 30",
        "9pm pm",
        "noonish",
        "21h3",
        "uhr",
        "21 uhr uhr",
        "٢١:٣٠",  # Arabic-Indic digits
        "21:30" + " " * 12,
        "1" * 17,
    ],
)
def test_parse_local_time_rejects(typed: str) -> None:
    assert parse_local_time(typed) is None


times = st.builds(time, st.integers(0, 23), st.integers(0, 59))


@given(times)
def test_formatted_times_parse_back(value: time) -> None:
    text = format_local_time(value)
    assert len(text) == 5 and text[2] == ":"
    assert parse_local_time(text) == value


@given(times)
def test_other_24_hour_spellings(value: time) -> None:
    h, m = value.hour, value.minute
    for typed in (f"{h}:{m:02d}", f"{h}.{m:02d}", f"{h:02d}{m:02d}", f"{h}h{m:02d}"):
        assert parse_local_time(typed) == value, typed


@given(times, st.sampled_from(["{h}:{m:02d}{half}", "{h}:{m:02d} {half}", "{h}.{m:02d}{half}"]))
def test_12_hour_spellings(value: time, template: str) -> None:
    h12 = value.hour % 12 or 12
    half = "am" if value.hour < 12 else "pm"
    typed = template.format(h=h12, m=value.minute, half=half)
    assert parse_local_time(typed) == value
    assert parse_local_time(typed.upper()) == value


@given(times, st.integers(0, 59))
def test_seconds_are_dropped(value: time, second: int) -> None:
    assert parse_local_time(f"{value.hour:02d}:{value.minute:02d}:{second:02d}") == value


@settings(max_examples=300)
@given(st.text(max_size=24))
def test_any_text_gives_a_minute_precise_time_or_none(text: str) -> None:
    parsed = parse_local_time(text)
    if parsed is not None:
        assert parsed.second == 0 and parsed.microsecond == 0 and parsed.tzinfo is None
        assert len(text) <= 16


def test_format_pads_and_drops_seconds() -> None:
    assert format_local_time(time(7, 5)) == "07:05"
    assert format_local_time(time(21, 30, 59)) == "21:30"
