"""What a confidant may hear of a milestone: its kind, in words that name no practice,
rating, note or time.

Milestones fall into a few kinds a person can choose to share without being asked each
time (store.models.Link.shares): firsts, counts, comebacks and growth. The confidant's
words for each are their own texts (share_what_<kind>); a total says how many moments of
practice, nothing more. Retired or unknown keys share nothing.
"""

from __future__ import annotations

from typing import Final

from messages import render
from progress.milestones import TOTALS, is_celebrated

SHARE_KINDS: Final = ("firsts", "counts", "comebacks", "growth")


def share_kind(key: str) -> str | None:
    """The kind of milestone `key` is, for sharing; None for one that is never shared."""
    if not is_celebrated(key):
        return None
    head = key.split(":", 1)[0]
    if head in ("first", "first_note", "first_weekly", "win"):
        return "firsts"
    if head.startswith("total_"):
        return "counts"
    if head == "welcome_back":
        return "comebacks"
    if head == "growth":
        return "growth"
    return None


def shared_words(key: str, locale: str) -> str:
    """What the confidant reads of milestone `key`: its kind in words, no practice named."""
    kind = share_kind(key)
    if kind is None:
        raise KeyError(f"not a milestone to share: {key!r}")
    if kind == "counts":
        count = int(key.removeprefix("total_"))
        assert count in TOTALS
        return render("share_what_counts", locale, count=count)
    return render(f"share_what_{kind}", locale)


def parse_shares(stored: str) -> frozenset[str]:
    """The kinds a link's `shares` column names (unknown ones ignored)."""
    return frozenset(k for k in stored.split(",") if k in SHARE_KINDS)


def stored_shares(kinds: frozenset[str]) -> str:
    """The `shares` column for these kinds, in a stable order."""
    return ",".join(k for k in SHARE_KINDS if k in kinds)
