"""Time zones as people type them, as we store them, and as the scheduler uses them.

Stored form ("canonical"): an IANA name spelled exactly as in ``zoneinfo.available_timezones()``
("Europe/Berlin"), ``"UTC"``, or a fixed offset ``"UTC+05:30"`` / ``"UTC-03:00"``. Fixed offsets
are deliberately not stored as ``Etc/GMT-5``, whose POSIX sign is the reverse of what people
expect. Offsets run from -12:00 to +14:00 in quarter hours, as real zones do.
"""

from __future__ import annotations

import importlib.resources
import math
import re
import zoneinfo
from datetime import UTC, timedelta, timezone, tzinfo
from functools import cache
from typing import Any

COMMON_ZONES: tuple[str, ...] = (
    "America/Los_Angeles",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Moscow",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
)

_MAX_INPUT = 64
_MIN_OFFSET = timedelta(hours=-12)
_MAX_OFFSET = timedelta(hours=14)
# "localtime" mirrors the host's own setting and "Factory" means "zone unset"; neither is a
# place a person lives, although both can appear in available_timezones().
_NOT_PLACES = frozenset({"localtime", "Factory"})
_UTC_WORDS = frozenset({"utc", "gmt", "z"})
# Optional UTC/GMT prefix, a sign (ASCII or typographic minus), hours, optional minutes.
_OFFSET = re.compile(
    r"(?:utc|gmt)?\s*(?P<sign>[+\-\u2212])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?",
    re.ASCII,
)
_STORED_OFFSET = re.compile(r"UTC(?P<sign>[+-])(?P<hours>\d{2}):(?P<minutes>\d{2})", re.ASCII)


@cache
def _zone_names() -> dict[str, str]:
    # Built once: available_timezones() walks the tzdata package and the host's zoneinfo dir.
    names = zoneinfo.available_timezones() - _NOT_PLACES
    return {name.lower(): name for name in names}


@cache
def _finder() -> Any:
    # Imported and built lazily: loading the boundary data takes a noticeable fraction of a
    # second, which only location sharing should pay for.
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def parse_zone(text: str) -> str | None:
    """Return the canonical stored form of a typed zone name or UTC offset, else None."""
    if len(text) > _MAX_INPUT:
        return None
    lowered = text.strip().lower()
    if lowered in _UTC_WORDS:
        return "UTC"
    match = _OFFSET.fullmatch(lowered)
    if match is not None:
        delta = _offset(match)
        return None if delta is None else _offset_label(delta)
    # People write "America/New York" or "europe / berlin"; IANA spells those with underscores.
    key = re.sub(r"\s+", "_", re.sub(r"\s*/\s*", "/", lowered))
    return _zone_names().get(key)


def resolve_zone(stored: str) -> tzinfo:
    """Return the tzinfo for a canonical stored zone string; raise ValueError otherwise."""
    if stored == "UTC":
        return UTC
    match = _STORED_OFFSET.fullmatch(stored)
    if match is not None:
        delta = _offset(match)
        # Only the exact spelling parse_zone produces is accepted ("UTC+00:00" is not).
        if delta is None or _offset_label(delta) != stored:
            raise ValueError(f"not a canonical UTC offset: {stored!r}")
        return timezone(delta, stored)
    if _zone_names().get(stored.lower()) != stored:
        raise ValueError(f"unknown time zone: {stored!r}")
    return zoneinfo.ZoneInfo(stored)


def zone_from_location(latitude: float, longitude: float) -> str | None:
    """Return the IANA zone name at a point on land, or None for the sea or bad coordinates."""
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None
    # timezone_at_land answers None at sea, where timezone_at would give a nautical Etc/GMT±N.
    name = _finder().timezone_at_land(lng=longitude, lat=latitude)
    # The finder's data may name a zone this host's tzdata lacks; storing it would break later.
    if not isinstance(name, str) or _zone_names().get(name.lower()) != name:
        return None
    return name


def _offset(match: re.Match[str]) -> timedelta | None:
    # Shared by parsing and resolving so both agree on which offsets exist.
    minutes = int(match.group("minutes") or 0)
    if minutes % 15 != 0 or minutes >= 60:
        return None
    delta = timedelta(hours=int(match.group("hours")), minutes=minutes)
    if match.group("sign") != "+":
        delta = -delta
    if not _MIN_OFFSET <= delta <= _MAX_OFFSET:
        return None
    return delta


def _offset_label(delta: timedelta) -> str:
    if not delta:
        return "UTC"
    sign = "+" if delta > timedelta(0) else "-"
    total = abs(delta) // timedelta(minutes=1)
    return f"UTC{sign}{total // 60:02d}:{total % 60:02d}"


@cache
def _zone_countries() -> dict[str, str]:
    """IANA zone name -> ISO 3166 country code, from the tz database's zone.tab."""
    table = importlib.resources.files("tzdata") / "zoneinfo" / "zone.tab"
    countries: dict[str, str] = {}
    for line in table.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, _coordinates, name, *_ = line.split("\t")
            countries[name] = code
    return countries


def country_of_zone(stored: str) -> str | None:
    """The country a stored zone belongs to ("Europe/Berlin" -> "DE"); None for offsets."""
    return _zone_countries().get(stored)
