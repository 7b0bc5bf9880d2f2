"""Pure calendar maths: local dates, and when a (zone, weekdays, local time) rule is next due.

Plain values in, plain values out: no ORM rows, no scheduler, no Telegram, so both the
scheduler and the progress views use it, and its tests need neither a database nor a clock.

A subscription fires once on every chosen local date, at a wall time in the person's zone.
Wall times are read as RFC 5545 reads DATE-TIME values with a TZID:

* a wall time that occurs twice (clocks go back) means its FIRST occurrence;
* a wall time that does not exist (clocks go forward) is read with the UTC offset in force
  before the gap, i.e. it is moved forward by the length of the gap (02:30 Europe/Berlin on
  2026-03-29 is 03:30 CEST; 02:15 Australia/Lord_Howe on 2026-10-04 is 02:45 +11).

This is exactly what zoneinfo does for a naive wall time with ``fold=0`` converted to UTC,
so each chosen date maps to exactly one instant. One rare consequence: Greenland
(America/Nuuk, America/Scoresbysund) springs forward from 23:00 to 00:00, so a 23:30 prompt
scheduled for that Saturday fires at 00:30 on Sunday; it still belongs to Saturday.

APScheduler's CronTrigger is deliberately not used here: in 3.11.3 it fires twice on a
repeated-hour day and can skip a gap day (see tests/unit/test_schedule.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

DAILY: frozenset[int] = frozenset(range(7))
WEEKDAYS: frozenset[int] = frozenset(range(5))
WEEKENDS: frozenset[int] = frozenset({5, 6})

_ONE_DAY = timedelta(days=1)

# A pause "until resumed" is stored as this instant, so one column says both whether and
# until when; nothing is ever scheduled after it.
UNTIL_RESUMED = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Rule:
    """When a ritual comes: at `local_time` on each of `weekdays` (0 is Monday), in `zone`."""

    zone: tzinfo
    weekdays: frozenset[int]
    local_time: time

    def next_after(self, after: datetime) -> datetime:
        """The first due instant (aware, UTC) strictly after `after`."""
        return next_due(
            local_time=self.local_time, weekdays=self.weekdays, zone=self.zone, after=after
        )


def is_paused(until: datetime | None, now: datetime) -> bool:
    """True while a pause (of a person or of one ritual) ending at `until` is in force."""
    return until is not None and until > now


def local_day(instant: datetime, zone: tzinfo) -> date:
    """Return the calendar date that `instant` (aware) falls on in `zone`."""
    _require_aware(instant, "instant")
    return instant.astimezone(zone).date()


def due_on(day: date, local_time: time, zone: tzinfo) -> datetime:
    """Return the UTC instant at which a prompt scheduled for local `day` at `local_time` fires."""
    # fold=0 picks the first of a repeated wall time and the pre-gap offset for a missing one;
    # forcing it guards against a caller's time object carrying fold=1 into combine().
    wall = datetime.combine(day, local_time, tzinfo=zone).replace(fold=0)
    return wall.astimezone(UTC)


def next_due(
    *, local_time: time, weekdays: frozenset[int], zone: tzinfo, after: datetime
) -> datetime:
    """Return the first due instant (aware, UTC) strictly after `after`."""
    _require_aware(after, "after")
    if local_time.tzinfo is not None:
        raise ValueError("local_time must be a naive wall time")
    if local_time.second or local_time.microsecond:
        raise ValueError("local_time must have minute precision")
    if not weekdays or not weekdays <= DAILY:
        raise ValueError("weekdays must be a non-empty subset of 0..6 (0 = Monday)")
    after_utc = after.astimezone(UTC)
    # Start one day early: a wall time skipped by a gap that spans midnight (Greenland) lands
    # on the next local date, so yesterday's prompt may still be ahead of `after`.
    first = local_day(after_utc, zone) - _ONE_DAY
    # Candidates run to today + 7: today's weekday recurs there, so some chosen day qualifies.
    for offset in range(9):
        day = first + offset * _ONE_DAY
        if day.weekday() not in weekdays:
            continue
        due = due_on(day, local_time, zone)
        if due > after_utc:
            return due
    raise AssertionError("unreachable: a chosen weekday lies within the next 8 local dates")


def _require_aware(value: datetime, name: str) -> None:
    # A naive instant would silently be read in the host's zone by astimezone().
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
