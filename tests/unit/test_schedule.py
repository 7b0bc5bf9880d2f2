"""Tests for progress.calendar: next_due across DST changes, by hand and by property."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache

import pytest
from apscheduler.triggers.cron import CronTrigger
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from progress.calendar import DAILY, WEEKDAYS, WEEKENDS, due_on, local_day, next_due

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LORD_HOWE = zoneinfo.ZoneInfo("Australia/Lord_Howe")
NUUK = zoneinfo.ZoneInfo("America/Nuuk")
ONE_DAY = timedelta(days=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def wall(instant: datetime, zone: tzinfo) -> datetime:
    """The naive local reading of an instant, for readable assertions."""
    return instant.astimezone(zone).replace(tzinfo=None)


def daily(local_time: time, zone: tzinfo, after: datetime) -> datetime:
    return next_due(local_time=local_time, weekdays=DAILY, zone=zone, after=after)


def walk(
    local_time: time, weekdays: frozenset[int], zone: tzinfo, start: datetime, end: datetime
) -> list[datetime]:
    """All due instants in (start, end], found by feeding each result back in as `after`."""
    found: list[datetime] = []
    after = start
    # Bounded, so a next_due that stops advancing fails the test instead of hanging it.
    for _ in range(100):
        due = next_due(local_time=local_time, weekdays=weekdays, zone=zone, after=after)
        if due > end:
            return found
        found.append(due)
        after = due
    raise AssertionError(f"more than 100 prompts before {end}")


def chosen_dates(first: date, last: date, weekdays: frozenset[int]) -> list[date]:
    days = (first + i * ONE_DAY for i in range((last - first).days + 1))
    return [day for day in days if day.weekday() in weekdays]


# --- hand-picked DST cases: exactly one prompt per scheduled local day ---------------------


@pytest.mark.parametrize(
    ("zone", "local_time", "first", "last", "transition", "expected"),
    [
        # Berlin springs forward 02:00 -> 03:00: 02:30 is read as 03:30 CEST.
        (BERLIN, time(2, 30), date(2026, 3, 15), date(2026, 4, 14), date(2026, 3, 29),
         utc(2026, 3, 29, 1, 30)),
        # Berlin falls back 03:00 -> 02:00: 02:30 happens twice; only the CEST one counts.
        (BERLIN, time(2, 30), date(2026, 10, 10), date(2026, 11, 9), date(2026, 10, 25),
         utc(2026, 10, 25, 0, 30)),
        (BERLIN, time(21, 0), date(2026, 3, 15), date(2026, 4, 14), date(2026, 3, 29),
         utc(2026, 3, 29, 19, 0)),
        (NEW_YORK, time(2, 30), date(2026, 2, 20), date(2026, 3, 22), date(2026, 3, 8),
         utc(2026, 3, 8, 7, 30)),
        (NEW_YORK, time(1, 30), date(2026, 10, 20), date(2026, 11, 19), date(2026, 11, 1),
         utc(2026, 11, 1, 5, 30)),
        # Lord Howe shifts by 30 minutes: back 02:00 -> 01:30 on the first Sunday of April,
        # forward 02:00 -> 02:30 on the first Sunday of October (02:15 is read as 02:45).
        (LORD_HOWE, time(1, 45), date(2026, 3, 20), date(2026, 4, 19), date(2026, 4, 5),
         utc(2026, 4, 4, 14, 45)),
        (LORD_HOWE, time(2, 15), date(2026, 9, 20), date(2026, 10, 19), date(2026, 10, 4),
         utc(2026, 10, 3, 15, 45)),
    ],
)  # fmt: skip
@pytest.mark.parametrize("weekdays", [DAILY, frozenset({6}), WEEKENDS, frozenset({0, 3, 6})])
def test_one_prompt_per_chosen_local_day_across_a_transition(
    zone: tzinfo,
    local_time: time,
    first: date,
    last: date,
    transition: date,
    expected: datetime,
    weekdays: frozenset[int],
) -> None:
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last, time(23, 59), tzinfo=zone)
    due = walk(local_time, weekdays, zone, start, end)
    assert [local_day(d, zone) for d in due] == chosen_dates(first, last, weekdays)
    if transition.weekday() in weekdays:
        assert expected in due
    # Away from the transition day every prompt shows the chosen wall time.
    assert all(wall(d, zone).time() == local_time for d in due if local_day(d, zone) != transition)


def test_skipped_wall_time_moves_forward_by_the_gap() -> None:
    berlin = next_due(
        local_time=time(2, 30), weekdays=DAILY, zone=BERLIN, after=utc(2026, 3, 28, 12)
    )
    assert wall(berlin, BERLIN) == datetime(2026, 3, 29, 3, 30)
    howe = next_due(local_time=time(2, 15), weekdays=DAILY, zone=LORD_HOWE, after=utc(2026, 10, 3))
    assert wall(howe, LORD_HOWE) == datetime(2026, 10, 4, 2, 45)


def test_skipped_wall_time_is_still_due_when_after_is_inside_the_gap_day() -> None:
    # 01:10 UTC is 03:10 CEST, already past the gap but before 03:30 CEST.
    due = next_due(
        local_time=time(2, 30), weekdays=DAILY, zone=BERLIN, after=utc(2026, 3, 29, 1, 10)
    )
    assert due == utc(2026, 3, 29, 1, 30)


def test_repeated_wall_time_fires_only_at_its_first_occurrence() -> None:
    # 00:31 UTC is 02:31 CEST: the first 02:30 has passed, the second must not fire.
    due = next_due(
        local_time=time(2, 30), weekdays=DAILY, zone=BERLIN, after=utc(2026, 10, 25, 0, 31)
    )
    assert due == utc(2026, 10, 26, 1, 30)


def test_fold_on_the_time_argument_is_ignored() -> None:
    due = next_due(
        local_time=time(2, 30, fold=1), weekdays=DAILY, zone=BERLIN, after=utc(2026, 10, 24, 12)
    )
    assert due == utc(2026, 10, 25, 0, 30)


def test_gap_across_midnight_belongs_to_the_scheduled_day() -> None:
    # Nuuk springs forward from 23:00 Saturday to 00:00 Sunday, so Saturday's 23:30 is read
    # as 00:30 Sunday: Saturday's prompt lands on Sunday's date, next to Sunday's own.
    due = walk(time(23, 30), DAILY, NUUK, utc(2026, 3, 27, 12), utc(2026, 3, 31, 12))
    assert [wall(d, NUUK) for d in due] == [
        datetime(2026, 3, 27, 23, 30),
        datetime(2026, 3, 29, 0, 30),
        datetime(2026, 3, 29, 23, 30),
        datetime(2026, 3, 30, 23, 30),
    ]
    # Asked during the first half hour of Sunday, Saturday's prompt is still ahead.
    late = next_due(
        local_time=time(23, 30), weekdays=DAILY, zone=NUUK, after=utc(2026, 3, 29, 1, 10)
    )
    assert late == utc(2026, 3, 29, 1, 30)


def test_fixed_offset_zone() -> None:
    plus_0530 = timezone(timedelta(hours=5, minutes=30))
    due = next_due(
        local_time=time(9, 0), weekdays=WEEKDAYS, zone=plus_0530, after=utc(2026, 5, 1, 4)
    )
    # Friday 2026-05-01 09:30 local has passed (04:00 UTC is 09:30); next weekday is Monday.
    assert due == utc(2026, 5, 4, 3, 30)


def test_result_is_utc_even_for_an_after_in_another_zone() -> None:
    after = datetime(2026, 6, 1, 8, 0, tzinfo=NEW_YORK)
    due = next_due(local_time=time(9, 0), weekdays=DAILY, zone=BERLIN, after=after)
    assert due.tzinfo is UTC
    assert due == utc(2026, 6, 2, 7, 0)


def test_after_exactly_at_a_due_instant_moves_to_the_next_day() -> None:
    due = next_due(local_time=time(9, 0), weekdays=DAILY, zone=BERLIN, after=utc(2026, 6, 2, 7))
    assert due == utc(2026, 6, 3, 7)


def test_weekday_sets() -> None:
    assert frozenset(range(7)) == DAILY
    assert WEEKDAYS | WEEKENDS == DAILY
    assert not WEEKDAYS & WEEKENDS
    assert date(2026, 6, 6).weekday() in WEEKENDS  # a Saturday


def test_local_day() -> None:
    assert local_day(utc(2026, 6, 1, 23, 30), BERLIN) == date(2026, 6, 2)
    assert local_day(utc(2026, 6, 1, 3, 30), NEW_YORK) == date(2026, 5, 31)
    with pytest.raises(ValueError, match="aware"):
        local_day(datetime(2026, 6, 1), BERLIN)


def test_due_on() -> None:
    assert due_on(date(2026, 3, 29), time(2, 30), BERLIN) == utc(2026, 3, 29, 1, 30)
    assert due_on(date(2026, 10, 25), time(2, 30), BERLIN) == utc(2026, 10, 25, 0, 30)


@pytest.mark.parametrize(
    ("local_time", "weekdays", "after", "message"),
    [
        (time(9), DAILY, datetime(2026, 6, 1), "aware"),
        (time(9), frozenset[int](), utc(2026, 6, 1), "weekdays"),
        (time(9), frozenset({7}), utc(2026, 6, 1), "weekdays"),
        (time(9), frozenset({-1, 0}), utc(2026, 6, 1), "weekdays"),
        (time(9, 0, 30), DAILY, utc(2026, 6, 1), "minute"),
        (time(9, tzinfo=UTC), DAILY, utc(2026, 6, 1), "naive"),
    ],
)
def test_rejects_malformed_rules(
    local_time: time, weekdays: frozenset[int], after: datetime, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        next_due(local_time=local_time, weekdays=weekdays, zone=BERLIN, after=after)


# --- CronTrigger regressions -----------------------------------------------------------------
# These pin down APScheduler 3.11.3 CronTrigger defects that are the reason next_due does its
# own calendar math. If one starts failing, the library changed: re-check whether CronTrigger
# could be used directly, then update or delete the test.


def test_crontrigger_defect_fires_twice_on_a_repeated_hour_day() -> None:
    trigger = CronTrigger(hour=2, minute=30, timezone=BERLIN)
    fires: list[datetime] = []
    previous = datetime(2026, 10, 24, 2, 30, tzinfo=BERLIN)
    for _ in range(3):
        previous = trigger.get_next_fire_time(previous, previous)
        fires.append(previous.astimezone(UTC))
    # Both 02:30 CEST and 02:30 CET on 2026-10-25, where next_due fires once.
    assert fires == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30), utc(2026, 10, 26, 1, 30)]
    ours = walk(time(2, 30), DAILY, BERLIN, utc(2026, 10, 24, 0, 30), utc(2026, 10, 26, 1, 30))
    assert ours == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]


def test_crontrigger_defect_second_occurrence_is_not_after_now_in_wall_terms() -> None:
    trigger = CronTrigger(hour=2, minute=30, timezone=BERLIN)
    now = utc(2026, 10, 25, 0, 31).astimezone(BERLIN)  # 02:31 CEST, fold=0
    fire = trigger.get_next_fire_time(None, now)
    # It returns the second 02:30 (CET, fold=1). Same-tzinfo comparison ignores fold, so
    # against `now` it reads as earlier, although in UTC it is an hour later.
    assert fire.astimezone(UTC) == utc(2026, 10, 25, 1, 30)
    assert fire < now
    assert fire.astimezone(UTC) > now.astimezone(UTC)


def test_crontrigger_defect_skips_the_gap_day_inside_the_gap_hour() -> None:
    trigger = CronTrigger(hour=2, minute=30, timezone=BERLIN)
    now = utc(2026, 3, 29, 1, 10)  # 03:10 CEST; 02:30 read with the pre-gap offset is 03:30
    assert trigger.get_next_fire_time(None, now) == datetime(2026, 3, 30, 2, 30, tzinfo=BERLIN)
    due = next_due(local_time=time(2, 30), weekdays=DAILY, zone=BERLIN, after=now)
    assert due == utc(2026, 3, 29, 1, 30)


# --- properties --------------------------------------------------------------------------------

# "localtime" mirrors the host's own setting, so it is left out to keep runs reproducible.
ZONE_NAMES = sorted(zoneinfo.available_timezones() - {"localtime"})
FIXED_OFFSETS = st.builds(
    lambda quarters: timezone(timedelta(minutes=15 * quarters)), st.integers(-48, 56)
)
zones = st.one_of(st.sampled_from(ZONE_NAMES).map(zoneinfo.ZoneInfo), FIXED_OFFSETS)
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)
local_times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
weekday_sets = st.frozensets(st.integers(0, 6), min_size=1)
Case = tuple[tzinfo, time, frozenset[int], datetime]
uniform_cases = st.tuples(zones, local_times, weekday_sets, instants)


def _seasonal(name: str) -> bool:
    zone = zoneinfo.ZoneInfo(name)
    january, july = (datetime(2026, month, 15, tzinfo=UTC) for month in (1, 7))
    return january.astimezone(zone).utcoffset() != july.astimezone(zone).utcoffset()


SEASONAL_ZONE_NAMES = [name for name in ZONE_NAMES if _seasonal(name)]


@cache
def transitions(name: str, year: int) -> tuple[datetime, ...]:
    """The instants in `year` at which the zone's UTC offset changes, to the second."""
    zone = zoneinfo.ZoneInfo(name)
    found: list[datetime] = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    offset = day.astimezone(zone).utcoffset()
    for _ in range(366):
        following = day + ONE_DAY
        if following.astimezone(zone).utcoffset() != offset:
            low, high = day, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            found.append(high)
            offset = following.astimezone(zone).utcoffset()
        day = following
    return tuple(found)


@st.composite
def transition_cases(draw: st.DrawFn) -> Case:
    """A rule and an `after` placed so that the result falls near an offset change."""
    name = draw(st.sampled_from(SEASONAL_ZONE_NAMES))
    found = transitions(name, draw(st.integers(2020, 2035)))
    assume(found)
    change = draw(st.sampled_from(found))
    zone = zoneinfo.ZoneInfo(name)
    # Wall times within 90 minutes of the change cover a gap or repeated hour of up to an hour.
    shifted = change.astimezone(zone) + timedelta(minutes=draw(st.integers(-90, 90)))
    local_time = shifted.time().replace(second=0, microsecond=0, tzinfo=None)
    # Starting up to a day before, with the change's own weekday chosen, the next prompt
    # usually falls on the day of the change itself.
    after = change + timedelta(minutes=draw(st.integers(-26 * 60, 120)))
    weekdays = draw(weekday_sets) | {shifted.weekday()}
    return zone, local_time, weekdays, after


cases = st.one_of(uniform_cases, transition_cases())


def scheduled_date(due: datetime, local_time: time, zone: tzinfo) -> date:
    """The chosen local date a due instant belongs to, by the RFC 5545 reading."""
    today = local_day(due, zone)
    # A gap across midnight can push a prompt onto the next local date, never further.
    for day in (today, today - ONE_DAY):
        if datetime.combine(day, local_time).replace(tzinfo=zone).astimezone(UTC) == due:
            return day
    raise AssertionError(f"{due} is not {local_time} on {today} or the day before in {zone}")


def offsets_steady(zone: tzinfo, around: datetime, span: timedelta) -> bool:
    # Hourly samples suffice: no zone changes its offset twice within an hour.
    hours = int(span / timedelta(hours=1))
    steps = (around + timedelta(hours=h) for h in range(-hours, hours + 1))
    offsets = {step.astimezone(zone).utcoffset() for step in steps}
    return len(offsets) == 1


@settings(max_examples=500, deadline=None)
@given(cases)
def test_next_due_is_the_first_chosen_wall_time_after(case: Case) -> None:
    zone, local_time, weekdays, after = case
    due = next_due(local_time=local_time, weekdays=weekdays, zone=zone, after=after)
    assert due > after
    assert due.tzinfo is UTC
    day = scheduled_date(due, local_time, zone)
    assert day.weekday() in weekdays
    naive = datetime.combine(day, local_time)
    shown = wall(due, zone)
    exists = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if exists == naive:
        assert shown == naive
    else:
        # A skipped wall time is shown moved forward by the length of the gap.
        before, later = (naive.replace(tzinfo=zone, fold=f).utcoffset() for f in (0, 1))
        assert before is not None and later is not None
        gap = later - before
        assert gap > timedelta(0)
        assert shown == naive + gap
    # No earlier chosen date between after's local date (less one) and the result qualifies.
    first = local_day(after, zone) - ONE_DAY
    assert first <= day <= first + 8 * ONE_DAY
    for earlier in chosen_dates(first, day - ONE_DAY, weekdays):
        assert datetime.combine(earlier, local_time).replace(tzinfo=zone) <= after
    # At most 8 days later, give or take the offset change between the two readings.
    used_offset = naive - due.replace(tzinfo=None)
    after_offset = after.astimezone(zone).utcoffset()
    assert after_offset is not None
    assert due - after < timedelta(days=8) + (after_offset - used_offset)


@settings(max_examples=200, deadline=None)
@given(cases)
def test_iterating_visits_every_chosen_date_once(case: Case) -> None:
    zone, local_time, weekdays, after = case
    due: list[datetime] = []
    previous = after
    for _ in range(10):
        previous = next_due(local_time=local_time, weekdays=weekdays, zone=zone, after=previous)
        due.append(previous)
    days = [scheduled_date(d, local_time, zone) for d in due]
    assert days == chosen_dates(days[0], days[-1], weekdays)
    assert due == sorted(set(due))


@settings(max_examples=300, deadline=None)
@given(zone=zones, local_time=local_times, weekdays=weekday_sets, after=instants)
def test_agrees_with_crontrigger_away_from_transitions(
    zone: tzinfo, local_time: time, weekdays: frozenset[int], after: datetime
) -> None:
    due = next_due(local_time=local_time, weekdays=weekdays, zone=zone, after=after)
    assume(offsets_steady(zone, due, timedelta(days=2)))
    trigger = CronTrigger(
        day_of_week=",".join(str(d) for d in sorted(weekdays)),
        hour=local_time.hour,
        minute=local_time.minute,
        timezone=zone,
    )
    # CronTrigger answers "at or after now"; a microsecond later makes it "strictly after".
    fire = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    assert fire is not None
    assert fire.astimezone(UTC) == due


@settings(max_examples=200, deadline=None)
@given(
    old=zones,
    new=zones,
    local_time=local_times,
    weekdays=weekday_sets,
    now=instants,
    since_change=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)),
)
def test_zone_change_never_schedules_into_the_past(
    old: tzinfo,
    new: tzinfo,
    local_time: time,
    weekdays: frozenset[int],
    now: datetime,
    since_change: timedelta,
) -> None:
    # The last prompt came from the old zone's plan; the person then switches zone at `now`.
    sent = next_due(local_time=local_time, weekdays=weekdays, zone=old, after=now - since_change)
    now = max(now, sent)
    replanned = next_due(local_time=local_time, weekdays=weekdays, zone=new, after=now)
    assert replanned > now >= sent
    assert scheduled_date(replanned, local_time, new).weekday() in weekdays
