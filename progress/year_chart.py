"""The long /progress picture: a year in pixels above one small chart per practice.

Past about a month, one line per practice is a tangle nobody reads. This picture shows the
same history twice, each readable at a glance on a phone: a calendar with one square per
day (``progress.year_pixels``), and one small panel per practice with its weekly means,
every panel on the same calm 1-to-5 scale, titled with the practice's name. Like the recent
chart it is built on ``Figure`` and the Agg canvas (no pyplot state), every word comes from
progress.toml, and in discreet mode the panels are "Practice 1", "Practice 2", ...

Everything is laid out in the pixels of a 360-pixel-wide phone screen, on one Axes whose data
coordinates are those pixels (y down): eleven Axes of their own (calendar, key, eight panels)
cost about 200 ms in tick machinery alone, most of a /progress answer's 300 ms. The picture
is saved at twice that density, so it stays sharp when opened full screen.
"""

from __future__ import annotations

import functools
import io
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

from messages import render
from messages.formats import month_short
from progress.calendar import local_day
from progress.common import ONE_DAY, cut, local_date, month_starts, ordered_keys, ritual_name
from progress.history import Entry
from progress.year_pixels import (
    FONT_TEXT,
    HEADING,
    MARGIN,
    TEXT,
    WIDTH,
    calendar_height,
    draw_days,
    heading,
    label,
)

__all__ = ["build_year_figure", "render_year_chart"]

_LINE = "#2f6c8e"  # viridis between ratings 2 and 3: reads on white, as calm as the squares
_GRID = "#e3e3e3"
# The sheet is drawn at _DPI (a pixel of the layout is a pixel) and saved at _SAVE_DPI.
_DPI = 100
_SAVE_DPI = 200
_GAP = 10
_PANEL_TITLE = 17
_PANEL_PLOT = 48
_PANEL_TICKS = 17
_PANEL = _PANEL_TITLE + _PANEL_PLOT + _PANEL_TICKS
_SCALE_COLUMN = 14  # 1, 3, 5 left of the first column of panels
_COLUMN_GAP = 14
_MAX_MONTH_TICKS = 4
_LOW, _HIGH = 0.6, 5.4  # the panels' rating axis, a little beyond 1 and 5


def render_year_chart(
    history: Sequence[Entry],
    zone: tzinfo,
    now: datetime,
    locale: str,
    *,
    discreet: bool,
    months: int,
) -> bytes:
    """Return the picture of the ``months`` calendar months up to ``now`` as PNG bytes."""
    figure = build_year_figure(history, zone, now, locale, discreet=discreet, months=months)
    buffer = io.BytesIO()
    # No "Software" text chunk: it names the matplotlib version, and output stays identical.
    # zlib level 3 rather than 6: a third less time for 10 % more bytes.
    figure.savefig(
        buffer,
        format="png",
        dpi=_SAVE_DPI,
        metadata={"Software": None},
        pil_kwargs={"compress_level": 3},
    )
    return buffer.getvalue()


def build_year_figure(
    history: Sequence[Entry],
    zone: tzinfo,
    now: datetime,
    locale: str,
    *,
    discreet: bool,
    months: int,
) -> Figure:
    """Return the picture as a Figure (with an Agg canvas), e.g. to inspect it."""
    if not 1 <= months <= 12:
        raise ValueError("months must be 1 to 12")
    today = local_day(now, zone)
    starts = month_starts(today, months)
    monday = starts[0] - starts[0].weekday() * ONE_DAY
    per_day: dict[date, list[int]] = defaultdict(list)
    per_week: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for entry in history:
        day = local_date(entry, zone)
        if starts[0] <= day <= today:
            per_day[day].append(entry.rating)
            per_week[entry.ritual_key][(day - monday).days // 7].append(entry.rating)
    keys = ordered_keys(per_week)

    columns = 1 if len(keys) == 1 else 2
    rows = math.ceil(len(keys) / columns)
    panels_top = MARGIN + calendar_height(months) + _GAP + HEADING
    height = panels_top + rows * _PANEL + MARGIN
    figure = Figure(figsize=(WIDTH / _DPI, height / _DPI), dpi=_DPI)
    FigureCanvasAgg(figure)
    sheet = figure.add_axes((0, 0, 1, 1))
    sheet.set_axis_off()
    sheet.set_xlim(0, WIDTH)
    sheet.set_ylim(height, 0)

    draw_days(sheet, MARGIN, starts, today, per_day, locale)
    heading(sheet, panels_top - HEADING, render("year_weeks_title", locale))
    weeks = _Weeks(count=(today - monday).days // 7 + 1, monday=monday)
    ticks = _month_ticks(starts, weeks, locale)
    width = (WIDTH - 2 * MARGIN - _SCALE_COLUMN - (columns - 1) * _COLUMN_GAP) / columns
    grid: list[list[tuple[float, float]]] = []
    for index, key in enumerate(keys):
        row, column = divmod(index, columns)
        box = _Box(
            left=MARGIN + _SCALE_COLUMN + column * (width + _COLUMN_GAP),
            top=panels_top + row * _PANEL + _PANEL_TITLE,
            width=width,
        )
        title = (
            render("chart_practice", locale, number=index + 1)
            if discreet
            else ritual_name(key, locale)
        )
        label(sheet, box.left, box.top - 7, _fit(title, width), size=FONT_TEXT, colour=TEXT)
        grid.extend([(box.left, box.y(r)), (box.right, box.y(r))] for r in (1, 3, 5))
        _panel_line(sheet, box, weeks, per_week[key])
        # The scale once per row and month names only under the lowest panel of a column:
        # the same labels once, not eight times.
        if column == 0:
            for rating in (1, 3, 5):
                label(sheet, box.left - 4, box.y(rating), str(rating), ha="right")
        if index + columns >= len(keys):
            for week, month in ticks:
                label(sheet, box.x(week, weeks), box.bottom + 9, month, ha="center")
    sheet.add_collection(LineCollection(grid, colors=_GRID, linewidths=0.8, zorder=1))
    return figure


@dataclass(frozen=True, slots=True)
class _Weeks:
    count: int
    monday: date  # the Monday of week 0, on or before the first day shown


@dataclass(frozen=True, slots=True)
class _Box:
    """One panel's plot area, in sheet pixels."""

    left: float
    top: float
    width: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + _PANEL_PLOT

    def x(self, week: float, weeks: _Weeks) -> float:
        return self.left + (week + 0.6) / (weeks.count + 0.2) * self.width

    def y(self, rating: float) -> float:
        return self.top + (_HIGH - rating) / (_HIGH - _LOW) * _PANEL_PLOT


@functools.lru_cache(maxsize=256)
def _fit(title: str, width: float) -> str:
    """Return ``title``, cut with an ellipsis if it is wider than a panel."""
    font = FontProperties(size=FONT_TEXT)
    fitted = title
    # Text widths come in points; the layout's pixels are at _DPI.
    while (
        len(fitted) > 1
        and text_to_path.get_text_width_height_descent(fitted, font, ismath=False)[0] * _DPI / 72
        > width
    ):
        fitted = cut(title, len(fitted) - 1)
    return fitted


def _panel_line(sheet: Axes, box: _Box, weeks: _Weeks, rated: dict[int, list[int]]) -> None:
    means = [math.nan] * weeks.count
    for week, ratings in rated.items():
        means[week] = sum(ratings) / len(ratings)
    xs = [box.x(week, weeks) for week in range(weeks.count)]
    ys = [box.y(mean) for mean in means]
    # NaN breaks the line over weeks without a rating; a week alone between gaps gets a dot,
    # or it would not show at all.
    alone = [
        week
        for week, mean in enumerate(means)
        if not math.isnan(mean)
        and (week == 0 or math.isnan(means[week - 1]))
        and (week == weeks.count - 1 or math.isnan(means[week + 1]))
    ]
    sheet.plot(
        xs, ys, color=_LINE, linewidth=1.6, marker="o", markersize=3, markevery=alone, zorder=3
    )


def _month_ticks(starts: list[date], weeks: _Weeks, locale: str) -> list[tuple[float, str]]:
    """Return (week position, month name) for at most four months, under their middles."""
    every = math.ceil(len(starts) / _MAX_MONTH_TICKS)
    # Counted back from the current month, so the newest month is always named.
    chosen = starts[::-1][::every][::-1]
    # Week w is centred on its Thursday noon: day d of the shown span is at d / 7 - 0.5.
    middles = [((start - weeks.monday).days + 15) / 7 - 0.5 for start in chosen]
    return [
        (min(middle, weeks.count - 1), month_short(start.month, locale))
        for middle, start in zip(middles, chosen, strict=True)
    ]
