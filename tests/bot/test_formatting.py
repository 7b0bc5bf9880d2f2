"""How schedules and next times read to a person."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.formatting import describe_next, describe_schedule

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # Friday, 13:00 in Berlin


@pytest.mark.parametrize(
    ("weekdays", "expected"),
    [
        ("0123456", "Every day at 22:00"),
        ("6", "Every Sunday at 22:00"),
        ("135", "Tue, Thu, Sat at 22:00"),
    ],
)
def test_schedules(weekdays: str, expected: str) -> None:
    assert describe_schedule(weekdays, "22:00", "en") == expected


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (datetime(2026, 11, 27, 21, 0, tzinfo=UTC), "today at 22:00"),
        # 23:30 UTC is already Saturday in Berlin: "tomorrow", by the person's calendar.
        (datetime(2026, 11, 27, 23, 30, tzinfo=UTC), "tomorrow at 00:30"),
        (datetime(2026, 11, 29, 18, 0, tzinfo=UTC), "on Sunday at 19:00"),
    ],
)
def test_next_time_is_relative_to_the_persons_today(due: datetime, expected: str) -> None:
    assert describe_next(due, BERLIN, NOW, "en") == expected


# The same, in German and Spanish: CLDR's names and order (through Babel), in each
# language's own sentence around them.
@pytest.mark.parametrize(
    ("locale", "weekdays", "expected"),
    [
        ("de", "0123456", "Jeden Tag um 22:00 Uhr"),
        ("de", "6", "Jeden Sonntag um 22:00 Uhr"),
        ("de", "135", "Di., Do., Sa. um 22:00 Uhr"),
        ("es", "0123456", "Todos los días, 22:00"),
        ("es", "6", "Cada domingo, 22:00"),
        ("es", "135", "mar, jue, sáb, 22:00"),
    ],
)
def test_schedules_in_other_languages(locale: str, weekdays: str, expected: str) -> None:
    assert describe_schedule(weekdays, "22:00", locale) == expected


@pytest.mark.parametrize(
    ("locale", "due", "expected"),
    [
        ("de", datetime(2026, 11, 27, 21, 0, tzinfo=UTC), "heute um 22:00 Uhr"),
        ("de", datetime(2026, 11, 27, 23, 30, tzinfo=UTC), "morgen um 00:30 Uhr"),
        ("de", datetime(2026, 11, 29, 18, 0, tzinfo=UTC), "am Sonntag um 19:00 Uhr"),
        ("es", datetime(2026, 11, 27, 21, 0, tzinfo=UTC), "hoy, 22:00"),
        # Spanish writes the hour without a leading zero (CLDR's "H:mm").
        ("es", datetime(2026, 11, 27, 23, 30, tzinfo=UTC), "mañana, 0:30"),
        ("es", datetime(2026, 11, 29, 18, 0, tzinfo=UTC), "el domingo, 19:00"),
    ],
)
def test_next_times_in_other_languages(locale: str, due: datetime, expected: str) -> None:
    assert describe_next(due, BERLIN, NOW, locale) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "on Friday 11 December at 21:00"),
        ("de", "am Freitag, 11. Dezember um 21:00 Uhr"),
        ("es", "el viernes, 11 de diciembre, 21:00"),
    ],
)
def test_a_week_or_more_ahead_names_the_date(locale: str, expected: str) -> None:
    due = datetime(2026, 12, 11, 20, 0, tzinfo=UTC)  # after a pause: two weeks ahead
    assert describe_next(due, BERLIN, NOW, locale) == expected
