"""Reading `/wait ...`: spans, and a time of day on the person's own wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tryout.waits import USAGE, wait_target

BERLIN = ZoneInfo("Europe/Berlin")
# Friday 27 November 2026, 13:00 in Berlin.
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("words", "span"),
    [
        ("1d", timedelta(days=1)),
        (" 3h", timedelta(hours=3)),
        ("90m", timedelta(minutes=90)),
        ("2d 12h", timedelta(days=2, hours=12)),
        ("1w", timedelta(weeks=1)),
        ("1D", timedelta(days=1)),
        ("366d", timedelta(days=366)),
    ],
)
def test_a_span_moves_the_clock_that_far(words: str, span: timedelta) -> None:
    assert wait_target(words, now=NOW, zone=BERLIN) == NOW + span


@pytest.mark.parametrize(
    ("words", "now", "target"),
    [
        # 22:00 in Berlin is 21:00 UTC in winter: later today.
        (" until 22:00", NOW, _utc(2026, 11, 27, 21, 0)),
        ("until 9pm", NOW, _utc(2026, 11, 27, 20, 0)),
        # Already past 22:00 there: tomorrow's.
        ("until 22:00", _utc(2026, 11, 27, 22, 0), _utc(2026, 11, 28, 21, 0)),
        # Exactly 22:00 now: the next one, so the clock always moves.
        ("until 22:00", _utc(2026, 11, 27, 21, 0), _utc(2026, 11, 28, 21, 0)),
        # 02:30 does not happen on 28 March 2027 in Berlin: read as the scheduler reads it,
        # moved forward by the gap (03:30 summer time).
        ("until 02:30", _utc(2027, 3, 27, 12, 0), _utc(2027, 3, 28, 1, 30)),
    ],
)
def test_until_a_time_is_its_next_occurrence_on_the_persons_clock(
    words: str, now: datetime, target: datetime
) -> None:
    assert wait_target(words, now=now, zone=BERLIN) == target


@pytest.mark.parametrize(
    "words",
    ["", "soon", "0d", "367d", "1x", "1d then 2h", "-1d", "until", "until 25:00", "1234567d"],
)
def test_anything_else_is_refused_with_examples(words: str) -> None:
    with pytest.raises(ValueError, match="/wait until 22:00") as refused:
        wait_target(words, now=NOW, zone=BERLIN)
    assert str(refused.value) == USAGE
