"""Callback data: how buttons name what they do, and the patterns that route them.

Callback data never carries trust. It names a step or a server-side row; the handler
checks that the row belongs to the person who pressed.
"""

from __future__ import annotations

import re

ADULT = re.compile(r"^adult:(yes|no)$")
CONSENT = re.compile(r"^consent:(yes|no)$")
ZONE = re.compile(r"^tz:([A-Za-z0-9_+\-/]{1,60})$")
RITUAL_VIEW = re.compile(r"^rit:([a-z_]{1,32})$")
RITUAL_ON = re.compile(r"^on:([a-z_]{1,32})$")
RITUAL_ASK_TIME = re.compile(r"^ask:([a-z_]{1,32})$")
RITUAL_OFF = re.compile(r"^off:([a-z_]{1,32})$")
RITUAL_LIST = re.compile(r"^list$")
RATE = re.compile(r"^r:(\d{1,12}):(\d)$")
LATER = re.compile(r"^later:(\d{1,12})$")
SNOOZE = re.compile(r"^snz:(\d{1,12}):(20m|1h|eve)$")
UNSNOOZE = re.compile(r"^back:(\d{1,12})$")
SKIP = re.compile(r"^skip:(\d{1,12})$")


def adult(answer: str) -> str:
    """The 18+ confirmation buttons."""
    return f"adult:{answer}"


def consent(answer: str) -> str:
    """The consent buttons."""
    return f"consent:{answer}"


def zone(name: str) -> str:
    """A quick timezone button."""
    return f"tz:{name}"


def ritual_view(key: str) -> str:
    """Open one ritual's page."""
    return f"rit:{key}"


def ritual_on(key: str) -> str:
    """Turn a ritual on at its default time."""
    return f"on:{key}"


def ritual_ask_time(key: str) -> str:
    """Ask for a time of the person's choosing."""
    return f"ask:{key}"


def ritual_off(key: str) -> str:
    """Turn a ritual off."""
    return f"off:{key}"


def ritual_list() -> str:
    """Back to the list of rituals."""
    return "list"


def rate(prompt_id: int, rating: int) -> str:
    """A rating button on a prompt."""
    return f"r:{prompt_id}:{rating}"


def later(prompt_id: int) -> str:
    """Open the "Later" choices of a prompt."""
    return f"later:{prompt_id}"


def snooze(prompt_id: int, option: str) -> str:
    """Bring a prompt back later ("20m", "1h" or "eve")."""
    return f"snz:{prompt_id}:{option}"


def unsnooze(prompt_id: int) -> str:
    """Close the "Later" choices again."""
    return f"back:{prompt_id}"


def skip(prompt_id: int) -> str:
    """Skip this prompt."""
    return f"skip:{prompt_id}"
