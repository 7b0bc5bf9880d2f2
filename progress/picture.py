"""Which picture /progress sends, its caption, and drawing it.

The picture follows the data. When every check-in of the last twelve months falls within the
last five weeks (about a month), it is the recent chart (``progress.chart``): each practice's
ratings and 7-day average over the last 14 or 35 days, whichever holds them all. Beyond that,
eight lines over a year would be a tangle, so it is the year picture
(``progress.year_chart``): a square per day and a small chart per practice, from the month of
the first check-in up to this one. With no check-in in those twelve months there is no
picture.

Both pictures are one photo (one ``sendPhoto``): the calendar and the small charts tell one
story and are seen together, and a photo's caption says what it shows. Both are drawn with
matplotlib, which this module imports only when a picture is drawn, so choosing one (and
starting the bot) does not load it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import Enum

from messages import render
from messages.formats import month_year
from progress.calendar import local_day
from progress.common import ONE_DAY, cut, local_date, month_starts, ordered_keys, ritual_name
from progress.history import Entry

__all__ = [
    "CAPTION_LIMIT",
    "RECENT_WINDOWS",
    "YEAR_MONTHS",
    "Picture",
    "View",
    "choose_picture",
    "picture_caption",
    "render_picture",
]

# The recent chart's windows, shortest first: the first that holds every check-in is drawn.
RECENT_WINDOWS = (14, 35)
YEAR_MONTHS = 12
# Telegram's limit for a photo's caption, in characters.
CAPTION_LIMIT = 1024


class View(Enum):
    """The two pictures."""

    RECENT = "recent"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class Picture:
    """What /progress draws: the view, how far back (days or months) and which practices."""

    view: View
    span: int  # RECENT: local days drawn; YEAR: calendar months drawn
    first: date  # the first local day drawn
    keys: tuple[str, ...]  # the practices drawn, in catalogue order


def choose_picture(history: Sequence[Entry], zone: tzinfo, now: datetime) -> Picture | None:
    """Return the picture that suits ``history`` at ``now``; None if there is nothing to draw."""
    today = local_day(now, zone)
    since = month_starts(today, YEAR_MONTHS)[0]
    dated = [(local_date(entry, zone), entry.ritual_key) for entry in history]
    days = [day for day, _ in dated if since <= day <= today]
    if not days:
        return None
    earliest = min(days)
    for window in RECENT_WINDOWS:
        first = today - (window - 1) * ONE_DAY
        if earliest >= first:
            return Picture(View.RECENT, window, first, _keys(dated, first, today))
    months = (today.year - earliest.year) * 12 + today.month - earliest.month + 1
    first = month_starts(today, months)[0]
    return Picture(View.YEAR, months, first, _keys(dated, first, today))


def picture_caption(picture: Picture, locale: str, *, discreet: bool) -> str:
    """Return the photo's caption: the practices drawn, or in discreet mode none of them.

    A caption shows in chat lists and notifications, so in discreet mode it names nothing.
    """
    recent = picture.view is View.RECENT
    if discreet:
        return render("chart_caption_discreet" if recent else "year_caption_discreet", locale)
    names = render("list_separator", locale).join(ritual_name(key, locale) for key in picture.keys)
    if recent:
        text = render("chart_caption", locale, days=picture.span, names=names)
    else:
        since = month_year(picture.first, locale)
        text = render("year_caption", locale, since=since, names=names)
    return cut(text, CAPTION_LIMIT)


def render_picture(
    picture: Picture,
    history: Sequence[Entry],
    zone: tzinfo,
    now: datetime,
    locale: str,
    *,
    discreet: bool,
) -> bytes:
    """Draw ``picture`` as PNG bytes (a few hundred milliseconds of CPU: call it off the loop)."""
    # Imported here: matplotlib is loaded by the first picture drawn, not at start-up.
    if picture.view is View.RECENT:
        from progress.chart import render_chart

        return render_chart(history, zone, now, locale, discreet=discreet, days=picture.span)
    from progress.year_chart import render_year_chart

    return render_year_chart(history, zone, now, locale, discreet=discreet, months=picture.span)


def _keys(dated: list[tuple[date, str]], first: date, last: date) -> tuple[str, ...]:
    return tuple(ordered_keys(key for day, key in dated if first <= day <= last))
