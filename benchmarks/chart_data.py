"""Histories for the /progress pictures: the benchmark's sizes and the README's examples.

Every history is built from a fixed seed and ends at the same evening (Friday 27 November
2026, 22:00 in Berlin), so every run draws the same pictures.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from messages import rituals
from progress.history import Entry

ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)


def _rating(level: float, rng: random.Random) -> int:
    return min(5, max(1, round(level + rng.gauss(0, 0.7))))


def every_day(years: int, per_day: int = 1, seed: int = 7) -> list[Entry]:
    """Every ritual rated ``per_day`` times a day for ``years`` years, rising gently.

    The worst realistic case, and its growth: one year is 2,920 check-ins, ten are 29,200.
    """
    rng = random.Random(seed)
    days = 365 * years
    entries = []
    for index, item in enumerate(rituals()):
        for day in range(days):
            # day counts back from today: older days a little lower.
            level = 3.8 - 1.6 * day / days + 0.3 * index / 8
            for repeat in range(per_day):
                at = NOW - timedelta(days=day, minutes=rng.randint(0, 180) + 10 * index + repeat)
                entries.append(
                    Entry(item.key, _rating(level, rng), at, has_note=rng.random() < 0.1)
                )
    return entries


def sparse_month(seed: int = 3) -> list[Entry]:
    """A first month: a body scan most evenings, breathing now and then, a quiet week."""
    rng = random.Random(seed)
    entries = []
    for day in range(27, -1, -1):
        if 12 <= day <= 17:
            continue  # a week away
        if rng.random() < 0.7:
            entries.append(
                Entry("body_scan", _rating(2.6 + (27 - day) / 27, rng), NOW - timedelta(days=day))
            )
        if rng.random() < 0.3:
            at = NOW - timedelta(days=day, hours=13)
            entries.append(Entry("breath", _rating(3.0, rng), at))
    return entries


def lived_year(seed: int = 11) -> list[Entry]:
    """A year of all eight rituals as people live them: most evenings, weekly check-ins on
    Sundays, a summer break, a hard month in spring, and slow growth through it all."""
    rng = random.Random(seed)
    cadence = {
        "body_scan": 0.8,
        "daily_checkin": 0.7,
        "breath": 0.6,
        "small_wins": 0.55,
        "kind_words": 0.5,
        "reframing_journal": 0.35,
        "sensory_awareness": 0.3,
    }
    entries = []
    for day in range(364, -1, -1):
        when = NOW - timedelta(days=day)
        if 120 <= day <= 133:
            continue  # two weeks away in July
        level = 2.4 + 1.4 * (364 - day) / 364 - (0.9 if 215 <= day <= 240 else 0.0)
        for offset, (key, chance) in enumerate(cadence.items()):
            if rng.random() < chance:
                at = when - timedelta(minutes=20 * offset)
                entries.append(Entry(key, _rating(level + 0.2 * (offset % 3), rng), at))
        if when.astimezone(ZONE).weekday() == 6 and rng.random() < 0.85:
            entries.append(
                Entry("needs_boundaries", _rating(level, rng), when - timedelta(hours=3))
            )
    return entries


def hard_week(seed: int = 5) -> list[Entry]:
    """Three months of three practices, then a hard week: lower ratings, fewer evenings."""
    rng = random.Random(seed)
    entries = []
    for day in range(100, -1, -1):
        hard = day < 7
        level = 1.5 if hard else 3.0 + (100 - day) / 120
        when = NOW - timedelta(days=day)
        for offset, (key, chance) in enumerate(
            (("body_scan", 0.75), ("kind_words", 0.55), ("breath", 0.45))
        ):
            if rng.random() < (chance * 0.6 if hard else chance):
                entries.append(
                    Entry(key, _rating(level, rng), when - timedelta(minutes=30 * offset))
                )
    return entries
