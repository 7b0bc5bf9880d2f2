"""Human phrasing of schedules and times, rendered from `messages/`."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from messages import render
from messages.formats import clock, date_long, weekday
from progress.calendar import DAILY
from scheduler.planning import weekdays_from_text


def describe_schedule(weekdays: str, local_time: str, locale: str) -> str:
    """ "every day at 22:00", "every Sunday at 19:00", "Tue, Thu, Sat at 21:00"."""
    days = sorted(weekdays_from_text(weekdays))
    time = clock(local_time, locale)
    if frozenset(days) == DAILY:
        return render("schedule_daily", locale, time=time)
    if len(days) == 1:
        return render("schedule_weekly", locale, day=weekday(days[0], locale), time=time)
    names = ", ".join(weekday(d, locale, short=True) for d in days)
    return render("schedule_days", locale, days=names, time=time)


def describe_next(due: datetime, zone: tzinfo, now: datetime, locale: str) -> str:
    """When a prompt comes next, relative to the person's today."""
    local_due = due.astimezone(zone)
    today = now.astimezone(zone).date()
    time = clock(local_due, locale)
    if local_due.date() == today:
        return render("next_today", locale, time=time)
    if local_due.date() == today + timedelta(days=1):
        return render("next_tomorrow", locale, time=time)
    if local_due.date() - today >= timedelta(days=7):
        # A week or more ahead (after a pause): "on Friday" alone would read as this week.
        return render("next_on_date", locale, date=date_long(local_due.date(), locale), time=time)
    return render("next_on", locale, day=weekday(local_due.weekday(), locale), time=time)


def describe_day(instant: datetime, zone: tzinfo, now: datetime, locale: str) -> str:
    """Which day an instant fell on, for the person: "today", "yesterday", "on Friday"."""
    day = instant.astimezone(zone).date()
    today = now.astimezone(zone).date()
    if day == today:
        return render("day_today", locale)
    if day == today - timedelta(days=1):
        return render("day_yesterday", locale)
    return render("day_on", locale, day=weekday(day.weekday(), locale))
