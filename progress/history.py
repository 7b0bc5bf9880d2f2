"""The input of every progress view (one check-in as plain values) and the /history pages.

A person's history is any ``Sequence[Entry]`` in any order, together with their ``zone``;
days are always the person's local calendar days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from messages import RATINGS, render
from messages.formats import clock, date_with_weekday
from progress.common import LIMIT, cut, join_within, rating_label, ritual_name

__all__ = ["Entry", "history_page"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One check-in: the ritual, its rating 1..5, when (aware), and whether it has a note."""

    ritual_key: str
    rating: int
    practiced_at: datetime
    has_note: bool = False

    def __post_init__(self) -> None:
        # bool is an int: True would otherwise pass as a rating of 1.
        if isinstance(self.rating, bool) or self.rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}, not {self.rating!r}")
        if self.practiced_at.tzinfo is None or self.practiced_at.utcoffset() is None:
            raise ValueError("practiced_at must be timezone-aware")


def history_page(
    shown: Sequence[tuple[Entry, str | None]], zone: tzinfo, locale: str, page: int
) -> str:
    """Return the text of one /history page: ``shown`` (its check-ins, each with its note)
    as page ``page`` (0 = the newest). Which check-ins a page holds is the caller's choice:
    the store reads just those, so a page costs the same however long the history."""
    if not shown:
        return render("history_empty", locale)
    # Stable sort: the caller's order stands for check-ins made at the same instant.
    items = sorted(shown, key=lambda pair: pair[0].practiced_at, reverse=True)
    title = render("history_title", locale, page=max(page, 0) + 1)
    lines = [_line(entry, zone, locale) for entry, _ in items]
    notes = [(note or "").strip() for _, note in items]
    wrappers = [render("history_note", locale, note="") if note else "" for note in notes]
    # Everything but the notes' own text is fixed: title, lines, quote marks, line breaks.
    fixed = len(title) + 1 + sum(len(line) + 1 for line in lines)
    fixed += sum(len(wrapper) + 1 for wrapper in wrappers if wrapper)
    caps = _note_caps([len(note) for note in notes], LIMIT - fixed)
    blocks = []
    for line, note, cap in zip(lines, notes, caps, strict=True):
        shown_note = cut(note, cap) if note and cap > 0 else ""
        blocks.append(
            f"{line}\n{render('history_note', locale, note=shown_note)}" if shown_note else line
        )
    # Only a very long page can overflow with every note dropped; then lines go too.
    body = join_within(blocks, sep="\n", more="…", limit=LIMIT - len(title) - 1)
    return f"{title}\n{body}"


def _line(entry: Entry, zone: tzinfo, locale: str) -> str:
    local = entry.practiced_at.astimezone(zone)
    when = render(
        "history_when",
        locale,
        date=date_with_weekday(local.date(), locale),
        time=clock(local, locale),
    )
    return render(
        "history_line",
        locale,
        when=when,
        name=ritual_name(entry.ritual_key, locale),
        rating=entry.rating,
        label=rating_label(entry.ritual_key, entry.rating, locale),
    )


def _note_caps(lengths: Sequence[int], budget: int) -> list[int]:
    """Return a length cap per note so their sum fits ``budget``, cutting the longest first."""
    if sum(lengths) <= max(budget, 0):
        return list(lengths)
    # Water-filling: one common cap c, short notes stay whole, long ones are cut to c.
    low, high = 0, max(lengths)
    while low < high:
        mid = (low + high + 1) // 2
        if sum(min(length, mid) for length in lengths) <= budget:
            low = mid
        else:
            high = mid - 1
    return [min(length, low) for length in lengths]
