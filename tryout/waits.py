"""`/wait 1d`, `/wait 3h`, `/wait 2d 12h`, `/wait until 22:00`: how far the clock moves.

A time of day is the person's wall clock (their zone, once they have told the bot), read
the way the bot reads times people type (scheduler.local_time) and found the way the
scheduler finds a ritual's next time (progress.calendar), so `/wait until 22:00` lands
exactly on a 22:00 ritual, summer time included.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from progress.calendar import DAILY, next_due
from scheduler.local_time import parse_local_time

USAGE = "Try /wait 1d, /wait 3h, /wait 2d 12h or /wait until 22:00."

# Far enough to see a season pass; a longer wait is more likely a slip of the keyboard.
LONGEST = timedelta(days=366)

_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1)}
_UNITS["m"] = timedelta(minutes=1)
_PART = re.compile(r"(\d{1,6})\s*([wdhm])", re.ASCII)


def wait_target(words: str, *, now: datetime, zone: tzinfo) -> datetime:
    """The moment `/wait <words>` moves the clock to; ValueError (with USAGE) otherwise."""
    text = words.strip().lower()
    if text.startswith("until"):
        wall = parse_local_time(text.removeprefix("until").strip())
        if wall is None:
            raise ValueError(USAGE)
        return next_due(local_time=wall, weekdays=DAILY, zone=zone, after=now)
    span = _span(text)
    if span is None or not timedelta(0) < span <= LONGEST:
        raise ValueError(USAGE)
    return now + span


def _span(text: str) -> timedelta | None:
    """`1d`, `3h`, `90m`, `2d 12h`: the sum of the parts, or None if anything else is there."""
    compact = text.replace(" ", "")
    if not compact or _PART.sub("", compact):
        return None
    return sum((int(n) * _UNITS[unit] for n, unit in _PART.findall(compact)), timedelta(0))
