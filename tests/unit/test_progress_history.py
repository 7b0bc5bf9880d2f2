"""The Entry type and /history pages: local times, labels, notes, paging, the length limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from messages import render
from progress.history import Entry, history_page

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 10, 24, 19, 0, tzinfo=UTC)  # Sat 24 Oct, 21:00 CEST


def entries(count: int, note: str | None = None) -> list[tuple[Entry, str | None]]:
    """``count`` check-ins a day apart, newest first."""
    made = [(Entry("body_scan", 1 + n % 5, START + timedelta(days=n)), note) for n in range(count)]
    return made[::-1]


@pytest.mark.parametrize("rating", [0, 6, True])
def test_entry_refuses_a_rating_outside_one_to_five(rating: int) -> None:
    with pytest.raises(ValueError, match="rating"):
        Entry("breath", rating, START)


def test_entry_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        Entry("breath", 3, datetime(2026, 1, 1, 8))


def test_empty_history() -> None:
    assert history_page([], BERLIN, "en", 0) == render("history_empty", "en")


def test_lines_show_local_time_name_rating_label_and_note() -> None:
    # 23:30 CET on Sunday 25 Oct (the day summer time ends) is 22:30 UTC.
    late = Entry("breath", 4, datetime(2026, 10, 25, 22, 30, tzinfo=UTC), has_note=True)
    early = Entry("kind_words", 2, datetime(2026, 10, 24, 21, 30, tzinfo=UTC))  # 23:30 CEST
    text = history_page([(late, "A calm evening."), (early, None)], BERLIN, "en", 0)
    assert text == (
        "Your check-ins, page 1\n"
        "Sun 25 Oct, 23:30 · Breath and grounding: 4 · Fairly grounded\n"
        "“A calm evening.”\n"
        "Sat 24 Oct, 23:30 · Kind words to yourself: 2 · A bit hard"
    )


def test_a_page_shows_what_it_is_given_under_its_number() -> None:
    page = history_page(entries(12)[7:12], BERLIN, "en", 2)
    lines = page.split("\n")
    assert lines[0] == render("history_title", "en", page=3)
    # The same 19:00 UTC reads 21:00 in summer time and 20:00 after it ends.
    assert len(lines) == 6 and "Wed 28 Oct, 20:00" in lines[1] and "Sat 24 Oct, 21:00" in lines[5]


def test_order_is_newest_first_whatever_the_callers_order() -> None:
    history = entries(3)
    assert history_page(history[::-1], BERLIN, "en", 0) == history_page(history, BERLIN, "en", 0)


def test_long_notes_are_shortened_to_fit_and_short_ones_kept() -> None:
    history = entries(5, note="x" * 1000)
    history[2] = (history[2][0], "Short and whole.")
    text = history_page(history, BERLIN, "en", 0)
    assert len(text) <= 4096
    assert "“Short and whole.”" in text
    assert text.count("…”") == 4
    assert len(text) > 4000  # the room is used, not thrown away


def test_a_very_long_page_still_fits() -> None:
    text = history_page(entries(100, note="y" * 1000), BERLIN, "en", 0)
    assert len(text) <= 4096


def test_blank_notes_are_left_out() -> None:
    text = history_page(entries(1, note="   "), BERLIN, "en", 0)
    assert "“" not in text


def test_a_retired_ritual_still_shows() -> None:
    old = Entry("retired_ritual", 3, START)
    text = history_page([(old, None)], BERLIN, "en", 0)
    assert "An earlier practice: 3" in text
