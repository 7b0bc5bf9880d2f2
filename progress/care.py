"""When a rating calls for a gentle, optional follow-up (never a diagnosis), and its words.

The offer is worded for what the practice touches: a faint moment in a body scan is not a
hard week with needs and boundaries. Each kind has ``OFFERS_PER_KIND`` texts in the locale's
``care.toml`` (``care_offer_<kind>_<n>``), chosen by how many offers the person had before,
so the same person never reads the same offer twice in a row.
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = [
    "CARE_KINDS",
    "KINDS",
    "OFFERS_PER_KIND",
    "care_kind",
    "care_offer_key",
    "celebrates_held",
    "needs_care",
]

# A rating this low, or two in a row at or below the second, brings the offer.
VERY_LOW = 1
LOW = 2

OFFERS_PER_KIND = 4
# What each practice touches: the body and senses, needs and limits, the day's mood, or
# finding something kind or good in oneself. A practice not listed gets the mood's words.
KINDS = ("body", "needs", "mood", "self")
DEFAULT_KIND = "mood"
CARE_KINDS = MappingProxyType(
    {
        "body_scan": "body",
        "breath": "body",
        "sensory_awareness": "body",
        "needs_boundaries": "needs",
        "daily_checkin": "mood",
        "kind_words": "self",
        "small_wins": "self",
        "reframing_journal": "self",
    }
)


def needs_care(rating: int, previous: int | None) -> bool:
    """True after a rating of 1, or after two ratings of 2 or less in a row."""
    return rating <= VERY_LOW or (rating <= LOW and previous is not None and previous <= LOW)


def celebrates_held(rating: int) -> bool:
    """True for a rating that isn't low: milestones held back on a hard night come now."""
    return rating > LOW


def care_kind(ritual_key: str) -> str:
    """The kind of care offer that fits a practice."""
    return CARE_KINDS.get(ritual_key, DEFAULT_KIND)


def care_offer_key(ritual_key: str, offered: int) -> str:
    """The text key of a care offer after ``ritual_key``, for someone offered care before
    ``offered`` times: the practice picks the kind, the count rotates within it."""
    return f"care_offer_{care_kind(ritual_key)}_{offered % OFFERS_PER_KIND + 1}"
