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

__all__ = ["Entry", "history_page", "nearest_page"]


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
    entries_newest_first: Sequence[tuple[Entry, str | None]],
    zone: tzinfo,
    locale: str,
    page: int,
    per_page: int = 5,
) -> tuple[str, bool, bool]:
    """Return one /history page (0 = newest) and whether newer and older pages exist."""
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    if not entries_newest_first:
        return render("history_empty", locale), False, False
    # Stable sort: the caller's order stands for check-ins made at the same instant.
    items = sorted(entries_newest_first, key=lambda pair: pair[0].practiced_at, reverse=True)
    last = (len(items) - 1) // per_page
    page = nearest_page(len(items), page, per_page)
    chunk = items[page * per_page : (page + 1) * per_page]
    title = render("history_title", locale, page=page + 1, pages=last + 1)
    lines = [_line(entry, zone, locale) for entry, _ in chunk]
    notes = [(note or "").strip() for _, note in chunk]
    wrappers = [render("history_note", locale, note="") if note else "" for note in notes]
    # Everything but the notes' own text is fixed: title, lines, quote marks, line breaks.
    fixed = len(title) + 1 + sum(len(line) + 1 for line in lines)
    fixed += sum(len(wrapper) + 1 for wrapper in wrappers if wrapper)
    caps = _note_caps([len(note) for note in notes], LIMIT - fixed)
    blocks = []
    for line, note, cap in zip(lines, notes, caps, strict=True):
        shown = cut(note, cap) if note and cap > 0 else ""
        blocks.append(f"{line}\n{render('history_note', locale, note=shown)}" if shown else line)
    # Only a very large per_page can overflow with every note dropped; then lines go too.
    body = join_within(blocks, sep="\n", more="…", limit=LIMIT - len(title) - 1)
    return f"{title}\n{body}", page > 0, page < last


def nearest_page(count: int, page: int, per_page: int = 5) -> int:
    """Return the real page nearest to ``page`` (0 = newest) for ``count`` check-ins.

    A page number from an old button may point past the end after /delete or a new check-in;
    showing the nearest real page is kinder than an empty one.
    """
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    last = max(count - 1, 0) // per_page
    return min(max(page, 0), last)


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
