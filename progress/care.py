"""When a rating calls for a gentle, optional follow-up (never a diagnosis)."""

from __future__ import annotations

# A rating this low, or two in a row at or below the second, brings the offer.
VERY_LOW = 1
LOW = 2


def needs_care(rating: int, previous: int | None) -> bool:
    """True after a rating of 1, or after two ratings of 2 or less in a row."""
    return rating <= VERY_LOW or (rating <= LOW and previous is not None and previous <= LOW)
