"""When "Later" brings a prompt back: twenty minutes, an hour, or this evening."""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo

from progress.calendar import due_on

# Evening times offered, the first that is still comfortably ahead.
_EVENINGS = (time(19, 0), time(21, 0))
_AHEAD = timedelta(minutes=45)
_FIXED = {"20m": timedelta(minutes=20), "1h": timedelta(hours=1)}


def snooze_options(now: datetime, zone: tzinfo) -> dict[str, datetime]:
    """The choices offered right now, option key -> when the prompt comes back (UTC).

    "eve" is this evening's first of 19:00 or 21:00 that is at least 45 minutes away;
    late in the evening there is no such time, and it isn't offered.
    """
    options = {key: now + delta for key, delta in _FIXED.items()}
    today = now.astimezone(zone).date()
    for wall in _EVENINGS:
        instant = due_on(today, wall, zone)
        if instant - now >= _AHEAD:
            options["eve"] = instant
            break
    return options
