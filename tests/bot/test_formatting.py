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
