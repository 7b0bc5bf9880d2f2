"""The year in pixels: a square per day, coloured by that day's mean rating, and its key.

Colours come from viridis, a sequential palette whose lightness rises steadily, so the order
of the colours survives the common kinds of colour blindness; only its calm middle is used
(slate blue for 1 to yellow-green for 5), so no day is ever drawn in red or another alarm
colour. A day without a rating is a neutral light grey, lighter than any rated day.

It draws onto the year picture's sheet (``progress.year_chart``): one Axes whose data
coordinates are the pixels of a 360-pixel-wide phone screen, y running down. The sheet's
measures, fonts and text helpers live here, next to the calendar that sets them.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.patches import Rectangle

from messages import render
from messages.formats import month_short
from progress.common import ONE_DAY

__all__ = [
    "EMPTY",
    "FONT_TEXT",
    "HEADING",
    "MARGIN",
    "TEXT",
    "WIDTH",
    "calendar_height",
    "day_colours",
    "draw_days",
    "heading",
    "label",
]

# The calm middle of viridis: rating 1 is slate blue, rating 5 yellow-green.
_RAMP = colormaps["viridis"]
_RAMP_FROM, _RAMP_TO = 0.25, 0.9
EMPTY = "#e6e6e6"
TEXT = "#333333"
_MUTED = "#555555"

# The sheet, in pixels of a 360-pixel-wide screen.
WIDTH = 360
MARGIN = 10
HEADING = 26
_MONTH_COLUMN = 30  # month names left of the squares
_CELL = (WIDTH - 2 * MARGIN - _MONTH_COLUMN) / 31
_SQUARE_GAP = 1.2
_DAY_NUMBERS = 14
_KEY = 34

# Points at 100 dpi: 15, 12.5 and 11 pixels tall on the 360-pixel screen.
FONT_HEADING = 11.0
FONT_TEXT = 9.0
FONT_SMALL = 8.0
_FONT_MONTH = 7.5  # a calendar row is 10 pixels tall


def day_colours(means: np.ndarray) -> np.ndarray:
    """Return the colour (RGBA, in a last axis) of days whose ratings average ``means``, 1 to 5.

    One call for a whole calendar: the colour map's own cost is per call, not per day.
    """
    shares = (np.clip(means, 1.0, 5.0) - 1.0) / 4.0
    return np.asarray(_RAMP(_RAMP_FROM + shares * (_RAMP_TO - _RAMP_FROM)))


def calendar_height(months: int) -> float:
    """Return the height of the heading, the squares of ``months`` months and the key."""
    return HEADING + _DAY_NUMBERS + months * _CELL + _KEY


def draw_days(
    sheet: Axes,
    top: float,
    starts: list[date],
    today: date,
    per_day: dict[date, list[int]],
    locale: str,
) -> None:
    """Draw the heading, a row of squares per month from ``starts``, and the colour key."""
    heading(sheet, top, render("year_days_title", locale))
    squares_top = top + HEADING + _DAY_NUMBERS
    _squares(sheet, squares_top, starts, today, per_day, locale)
    _key(sheet, squares_top + len(starts) * _CELL, locale)


def heading(sheet: Axes, top: float, text: str) -> None:
    """Write a section's heading in the band of HEADING pixels from ``top``."""
    sheet.text(
        MARGIN,
        top + HEADING / 2,
        text,
        fontsize=FONT_HEADING,
        fontweight="bold",
        color=TEXT,
        va="center",
    )


def label(
    sheet: Axes,
    x: float,
    y: float,
    text: str,
    *,
    ha: str = "left",
    size: float = FONT_SMALL,
    colour: str = _MUTED,
) -> None:
    """Write a label centred vertically on ``y``."""
    sheet.text(x, y, text, fontsize=size, color=colour, ha=ha, va="center")


def _squares(
    sheet: Axes,
    top: float,
    starts: list[date],
    today: date,
    per_day: dict[date, list[int]],
    locale: str,
) -> None:
    # Each square's mean; NaN where there is no rating, and no square at all (transparent,
    # so white) for days that do not exist, have not come yet, or came before the first
    # check-in: a calendar that starts with the practice, not a month of grey before it.
    means = np.full((len(starts), 31), np.nan)
    exists = np.zeros((len(starts), 31), dtype=bool)
    begun = min(per_day, default=today)
    for row, start in enumerate(starts):
        day = max(start, begun)
        while day.month == start.month and day <= today:
            exists[row, day.day - 1] = True
            if ratings := per_day.get(day):
                means[row, day.day - 1] = sum(ratings) / len(ratings)
            day += ONE_DAY
    pixels = day_colours(means)
    pixels[exists & np.isnan(means)] = to_rgba(EMPTY)
    pixels[~exists] = (0.0, 0.0, 0.0, 0.0)
    # One square per cell, a little smaller than the cell: the white between them makes each
    # day read as a square of its own. Row-major, so square n is row n // 31, day n % 31 + 1.
    left = MARGIN + _MONTH_COLUMN
    inset = _SQUARE_GAP / 2
    squares = [
        [
            (x + inset, y + inset),
            (x + _CELL - inset, y + inset),
            (x + _CELL - inset, y + _CELL - inset),
            (x + inset, y + _CELL - inset),
        ]
        for y in (top + row * _CELL for row in range(len(starts)))
        for x in (left + column * _CELL for column in range(31))
    ]
    sheet.add_collection(
        PolyCollection(
            squares, facecolors=pixels.reshape(-1, 4), edgecolors="none", antialiased=False
        )
    )
    for row, start in enumerate(starts):
        month = month_short(start.month, locale)
        label(sheet, MARGIN, top + (row + 0.5) * _CELL, month, size=_FONT_MONTH)
    for number in (1, 10, 20, 31):
        label(
            sheet, left + (number - 0.5) * _CELL, top - _DAY_NUMBERS / 2, str(number), ha="center"
        )


def _key(sheet: Axes, top: float, locale: str) -> None:
    """The colour key: the grey of a day without a rating, then the colours of 1 to 5."""
    size = _CELL * 1.2
    middle = top + _KEY / 2 - 2
    sheet.add_patch(
        Rectangle((MARGIN, middle - size / 2), size, size, facecolor=EMPTY, edgecolor="none")
    )
    label(sheet, MARGIN + size + 4, middle, render("year_key_empty", locale))
    ramp = WIDTH - MARGIN - 5 * size * 1.4
    colours = day_colours(np.arange(1.0, 6.0))
    label(sheet, ramp - 6, middle, render("year_key_scale", locale), ha="right")
    for rating in range(1, 6):
        left = ramp + (rating - 1) * size * 1.4
        sheet.add_patch(
            Rectangle(
                (left, middle - size / 2),
                size,
                size,
                facecolor=colours[rating - 1],
                edgecolor="none",
            )
        )
        label(sheet, left + size / 2, middle + size / 2 + 7, str(rating), ha="center")
