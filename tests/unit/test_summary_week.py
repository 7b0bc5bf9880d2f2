"""The weekly summary's reserved key and the week it covers, on the person's wall clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from messages import is_ritual, rituals
from scheduler.summary import DEFAULT_TIME, DEFAULT_WEEKDAY, WEEKLY_SUMMARY, summary_week

BERLIN = ZoneInfo("Europe/Berlin")
AUCKLAND = ZoneInfo("Pacific/Auckland")


def test_the_reserved_key_is_never_a_ritual() -> None:
    assert not is_ritual(WEEKLY_SUMMARY)
    assert WEEKLY_SUMMARY not in {item.key for item in rituals()}
    # It has to fit where ritual keys go: the subscriptions column and callback data.
    assert len(WEEKLY_SUMMARY) <= 32
    assert (DEFAULT_WEEKDAY, DEFAULT_TIME) == (6, "18:00")  # Sunday evening


def test_the_week_is_the_seven_local_days_ending_on_the_due_day() -> None:
    due = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)  # Sunday 18:00 in Berlin
    week = summary_week(due, BERLIN)
    assert week.start == date(2026, 11, 30)  # Monday
    assert week.since == datetime(2026, 11, 29, 23, 0, tzinfo=UTC)  # Monday 00:00 local
    assert week.history_since == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    assert week.until == due


def test_the_days_follow_the_persons_zone_not_utc() -> None:
    # Sunday 07:00 in Auckland is still Saturday in UTC.
    due = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)
    week = summary_week(due, AUCKLAND)
    assert week.start == date(2026, 11, 30)
    assert week.since == datetime(2026, 11, 29, 11, 0, tzinfo=UTC)  # NZDT is UTC+13


def test_a_late_send_covers_the_week_it_was_due_for() -> None:
    due = datetime(2026, 12, 6, 22, 59, tzinfo=UTC)  # Sunday 23:59 in Berlin
    sent = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)  # Monday 00:30, within the grace
    week = summary_week(due, BERLIN, sent)
    assert week.start == date(2026, 11, 30)
    assert week.until == sent
    assert summary_week(due, BERLIN, due).until == due
