"""Wall-clock times as people type them ("21:30", "9pm", "21h30", "21 Uhr") and as stored.

Parsing keeps minute precision only (seconds are dropped) because prompts are scheduled to
the minute. A bare number is read on the 24-hour clock: "9" is 09:00, "930" is 09:30.
"""

from __future__ import annotations

import re
from datetime import time

_MAX_INPUT = 16
# Each pattern is matched against the whole stripped, lower-cased input; re.ASCII keeps \d
# from accepting other scripts' digits, which int() would otherwise happily convert.
_CLOCK_24 = re.compile(r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2})(?:[:.]\d{2})?)?", re.ASCII)
_COMPACT = re.compile(r"(?P<h>\d{1,2})(?P<m>\d{2})", re.ASCII)
_HOURS_H = re.compile(r"(?P<h>\d{1,2})\s*h\s*(?P<m>\d{2})?", re.ASCII)
# German writes "21 Uhr" and "21:30 Uhr"; the word adds nothing to the time.
_UHR = re.compile(r"\s*uhr$")
_CLOCK_12 = re.compile(r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<half>[ap])\.?\s*m\.?", re.ASCII)


def parse_local_time(text: str) -> time | None:
    """Return the wall time a person typed, or None if it is not a valid time of day."""
    if len(text) > _MAX_INPUT:
        return None
    cleaned = _UHR.sub("", text.strip().lower())
    twelve = _CLOCK_12.fullmatch(cleaned)
    if twelve is not None:
        hour = int(twelve["h"])
        if not 1 <= hour <= 12:
            return None
        # 12am is midnight and 12pm is noon; otherwise pm adds twelve hours.
        hour %= 12
        if twelve["half"] == "p":
            hour += 12
        return _build(hour, twelve["m"])
    for pattern in (_CLOCK_24, _COMPACT, _HOURS_H):
        match = pattern.fullmatch(cleaned)
        if match is not None:
            return _build(int(match["h"]), match["m"])
    return None


def format_local_time(value: time) -> str:
    """Return `value` as a 24-hour "HH:MM" string."""
    return f"{value.hour:02d}:{value.minute:02d}"


def _build(hour: int, minute_text: str | None) -> time | None:
    minute = int(minute_text or 0)
    # 24:00 is rejected: it names the same instant as tomorrow's 00:00 and would shift the day.
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
