"""Tests for scheduler.zones: typed zone names and offsets, stored forms, and geolocation."""

from __future__ import annotations

import itertools
import zoneinfo
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.zones import COMMON_ZONES, parse_zone, resolve_zone, zone_from_location

ZONE_NAMES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("EUROPE/BERLIN", "Europe/Berlin"),
        ("America/New York", "America/New_York"),
        ("  america / new york ", "America/New_York"),
        ("america/argentina/buenos aires", "America/Argentina/Buenos_Aires"),
        ("Asia/Kolkata", "Asia/Kolkata"),
        ("Etc/GMT+5", "Etc/GMT+5"),  # a real IANA name, kept with its POSIX sign
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
        ("Z", "UTC"),
        ("+0", "UTC"),
        ("-00:00", "UTC"),
        ("+2", "UTC+02:00"),
        ("-5", "UTC-05:00"),
        ("\u22125", "UTC-05:00"),  # typographic minus sign
        ("+05:30", "UTC+05:30"),
        ("+0530", "UTC+05:30"),
        ("+530", "UTC+05:30"),
        ("UTC+2", "UTC+02:00"),
        ("utc + 2", "UTC+02:00"),
        ("UTC-03:30", "UTC-03:30"),
        ("GMT+1", "UTC+01:00"),
        ("UTC+05:45", "UTC+05:45"),
        ("+14:00", "UTC+14:00"),
        ("-12", "UTC-12:00"),
    ],
)
def test_parse_zone_accepts(typed: str, stored: str) -> None:
    assert parse_zone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "Berlin",
        "Europe/Berlinn",
        "Mars/Olympus_Mons",
        "localtime",
        "Factory",
        "posix/Europe/Berlin",
        "right/UTC",
        "../etc/passwd",
        "+14:15",
        "-12:30",
        "+15",
        "-13",
        "+05:20",
        "+05:60",
        "+5:3",
        "+123",
        "UTC+",
        "UTC 2",
        "2",
        "UTC+٢",  # Arabic-Indic digit two
        "Europe/" + "x" * 60,
        " " * 60 + "UTC+2" + " " * 5,
    ],
)
def test_parse_zone_rejects(typed: str) -> None:
    assert parse_zone(typed) is None


def test_every_available_zone_name_parses_in_any_case_and_with_spaces() -> None:
    for name in ZONE_NAMES:
        if name in {"UTC", "GMT"} or name.startswith(("GMT+", "GMT-")):
            continue  # these read as UTC offsets and are stored in the UTC±HH:MM form
        assert parse_zone(name) == name
        assert parse_zone(name.lower()) == name
        assert parse_zone(name.upper().replace("_", " ")) == name
        assert resolve_zone(name) == zoneinfo.ZoneInfo(name)


@pytest.mark.parametrize(("typed", "stored"), [("GMT+0", "UTC"), ("GMT-0", "UTC"), ("GMT", "UTC")])
def test_gmt_names_read_as_offsets(typed: str, stored: str) -> None:
    assert parse_zone(typed) == stored


valid_quarters = st.integers(-48, 56)  # -12:00 .. +14:00 in quarter hours


@given(quarters=valid_quarters, prefix=st.sampled_from(["", "UTC", "utc ", "GMT"]))
def test_offsets_round_trip(quarters: int, prefix: str) -> None:
    delta = timedelta(minutes=15 * quarters)
    sign = "-" if quarters < 0 else "+"
    minutes = abs(quarters) * 15
    for spelling in (
        f"{minutes // 60}:{minutes % 60:02d}",
        f"{minutes // 60:02d}{minutes % 60:02d}",
    ):
        stored = parse_zone(f"{prefix}{sign}{spelling}")
        assert stored is not None
        zone = resolve_zone(stored)
        assert zone.utcoffset(None) == delta
        # Canonical: parsing the stored form gives it back, and UTC itself has no offset.
        assert parse_zone(stored) == stored
        assert (stored == "UTC") == (quarters == 0)


@given(
    minutes=st.integers(-24 * 60, 24 * 60).filter(
        lambda m: m % 15 != 0 or not -12 * 60 <= m <= 14 * 60
    )
)
def test_offsets_outside_range_or_off_quarter_are_rejected(minutes: int) -> None:
    sign = "-" if minutes < 0 else "+"
    typed = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    assert parse_zone(typed) is None


@settings(max_examples=300)
@given(st.text(max_size=70))
def test_parse_zone_output_is_always_resolvable(text: str) -> None:
    stored = parse_zone(text)
    if stored is not None:
        resolve_zone(stored)
        assert parse_zone(stored) == stored
    if len(text) > 64:
        assert stored is None


def test_resolve_zone_builds_fixed_offsets_and_utc() -> None:
    assert resolve_zone("UTC") is UTC
    zone = resolve_zone("UTC-03:30")
    assert isinstance(zone, timezone)
    assert zone.utcoffset(None) == -timedelta(hours=3, minutes=30)
    assert zone.tzname(None) == "UTC-03:30"
    berlin = resolve_zone("Europe/Berlin")
    assert datetime(2026, 7, 1, tzinfo=berlin).utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "europe/berlin",
        "Europe/Berlin ",
        "UTC+2",
        "UTC+5:30",
        "UTC+00:00",
        "UTC-00:00",
        "UTC+14:15",
        "UTC+05:20",
        "+05:30",
        "localtime",
        "posix/Europe/Berlin",
        "Nowhere/Special",
    ],
)
def test_resolve_zone_rejects_non_canonical(stored: str) -> None:
    with pytest.raises(ValueError):
        resolve_zone(stored)


@pytest.mark.parametrize(
    ("latitude", "longitude", "zone"),
    [
        (52.52, 13.405, "Europe/Berlin"),
        (40.7128, -74.006, "America/New_York"),
        (-33.8688, 151.2093, "Australia/Sydney"),
        (28.6139, 77.209, "Asia/Kolkata"),
        (-31.5553, 159.0821, "Australia/Lord_Howe"),
    ],
)
def test_zone_from_location_on_land(latitude: float, longitude: float, zone: str) -> None:
    assert zone_from_location(latitude, longitude) == zone


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (0.0, -30.0),  # mid-Atlantic
        (-40.0, -120.0),  # South Pacific
        (90.5, 0.0),
        (-91.0, 0.0),
        (10.0, 180.5),
        (10.0, -181.0),
        (float("nan"), 0.0),
        (0.0, float("inf")),
    ],
)
def test_zone_from_location_at_sea_or_off_the_globe(latitude: float, longitude: float) -> None:
    assert zone_from_location(latitude, longitude) is None


@settings(max_examples=200, deadline=None)
@given(latitude=st.floats(-90, 90), longitude=st.floats(-180, 180))
def test_zone_from_location_gives_storable_names(latitude: float, longitude: float) -> None:
    zone = zone_from_location(latitude, longitude)
    if zone is not None:
        assert parse_zone(zone) == zone
        resolve_zone(zone)


def test_common_zones_are_canonical_and_span_the_world() -> None:
    assert 8 <= len(COMMON_ZONES) <= 10
    assert len(set(COMMON_ZONES)) == len(COMMON_ZONES)
    assert all(parse_zone(name) == name for name in COMMON_ZONES)
    january = datetime(2026, 1, 15, 12, tzinfo=UTC)
    offsets = [january.astimezone(resolve_zone(name)).utcoffset() for name in COMMON_ZONES]
    hours = sorted(o / timedelta(hours=1) for o in offsets if o is not None)
    # From the American west coast to eastern Australia, without huge holes in between.
    assert hours[0] <= -8 and hours[-1] >= 10
    assert max(b - a for a, b in itertools.pairwise(hours)) <= 6
