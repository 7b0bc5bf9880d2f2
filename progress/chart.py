"""The progress chart: ratings over time per ritual, with a 7-day rolling mean, as a PNG.

Built on ``matplotlib.figure.Figure`` with the Agg canvas, never pyplot: no global figure
state, so charts can be drawn from worker threads side by side. Colours are the Okabe-Ito
palette (distinguishable with the common kinds of colour blindness), and every ritual also
gets its own marker shape. Every word comes from progress.toml; in discreet mode nothing in
the picture names a practice ("Practice 1", "Practice 2", ... and a neutral title), since a
chart may be seen over someone's shoulder. The PNG carries no timestamp or version, so the
same input always gives the same bytes.

It is sized for a phone: laid out 360 pixels wide (what a 360-pixel-wide screen shows when
the photo is opened) with the legend under the plot, and saved at twice that density.
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, tzinfo

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from messages import is_ritual, render, rituals
from messages.formats import date_short
from progress.calendar import local_day
from progress.common import ONE_DAY, days_back, ordered_keys, ritual_name
from progress.history import Entry

__all__ = ["MARKERS", "OKABE_ITO", "ROLLING_DAYS", "build_figure", "render_chart"]

# Okabe & Ito (2008); yellow and black last: yellow is faint on white, black reads as text.
OKABE_ITO = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#000000",  # black
    "#F0E442",  # yellow
)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
ROLLING_DAYS = 7
_MAX_TICKS = 5
_AVERAGE_COLOUR = "#555555"
# Layout in pixels of a 360-pixel-wide screen, drawn at _DPI and saved at _SAVE_DPI.
_WIDTH = 360
_PLOT_HEIGHT = 200
_ABOVE = 34  # the title
_BELOW = 44  # dates and the x label
_LEFT, _RIGHT = 44, 12
_MARGIN = 8
_LEGEND_ROW = 17
_DPI = 100
_SAVE_DPI = 200
_FONT_TITLE = 10.5
_FONT_TEXT = 8.5
_FONT_SMALL = 7.5


def render_chart(
    history: Sequence[Entry],
    zone: tzinfo,
    now: datetime,
    locale: str,
    *,
    discreet: bool,
    days: int = 90,
) -> bytes:
    """Return the chart of the last ``days`` local days up to ``now`` as PNG bytes."""
    figure = build_figure(history, zone, now, locale, discreet=discreet, days=days)
    buffer = io.BytesIO()
    # No "Software" text chunk: it names the matplotlib version, and output stays identical.
    figure.savefig(buffer, format="png", dpi=_SAVE_DPI, metadata={"Software": None})
    return buffer.getvalue()


def build_figure(
    history: Sequence[Entry],
    zone: tzinfo,
    now: datetime,
    locale: str,
    *,
    discreet: bool,
    days: int = 90,
) -> Figure:
    """Return the chart as a Figure (with an Agg canvas), e.g. to inspect its texts."""
    if days < 1:
        raise ValueError("days must be at least 1")
    first, last = days_back(local_day(now, zone), days)
    # Ratings from before the window still feed the rolling mean of its first days.
    since = first - (ROLLING_DAYS - 1) * ONE_DAY
    points: dict[str, list[tuple[float, int]]] = defaultdict(list)
    per_day: dict[str, dict[date, list[int]]] = defaultdict(lambda: defaultdict(list))
    for entry in history:
        local = entry.practiced_at.astimezone(zone).replace(tzinfo=None)
        if not since <= local.date() <= last:
            continue
        per_day[entry.ritual_key][local.date()].append(entry.rating)
        if local.date() >= first:
            # x counts days from the window's first local midnight, on the wall clock, so a
            # 23:30 check-in sits late in its own day even on a daylight-saving day.
            offset = (local - datetime.combine(first, time())) / ONE_DAY
            points[entry.ritual_key].append((offset, entry.rating))

    shown = ordered_keys(points)
    # The legend (the practices and the average, two to a row) goes under the plot, where it
    # takes no width from the plot on a narrow screen.
    legend_height = math.ceil((len(shown) + 1) / 2) * _LEGEND_ROW + 6 if shown else 0
    height = _ABOVE + _PLOT_HEIGHT + _BELOW + legend_height
    figure = Figure(figsize=(_WIDTH / _DPI, height / _DPI), dpi=_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    figure.subplots_adjust(
        left=_LEFT / _WIDTH,
        right=1 - _RIGHT / _WIDTH,
        top=1 - _ABOVE / height,
        bottom=(_BELOW + legend_height) / height,
    )
    title = (
        render("chart_title_discreet", locale)
        if discreet
        else render("chart_title", locale, days=days)
    )
    axes.set_title(title, fontsize=_FONT_TITLE)
    axes.set_ylabel(render("chart_ylabel", locale), fontsize=_FONT_TEXT)
    axes.set_xlabel(render("chart_xlabel", locale), fontsize=_FONT_TEXT)
    axes.set_ylim(0.6, 5.4)
    axes.set_yticks([1, 2, 3, 4, 5])
    axes.set_xlim(0, days)
    ticks = _ticks(first, last)
    axes.set_xticks(
        [(day - first) / ONE_DAY for day in ticks], [date_short(day, locale) for day in ticks]
    )
    axes.tick_params(labelsize=_FONT_SMALL)
    axes.grid(axis="y", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)

    if not shown:
        axes.text(
            0.5,
            0.5,
            render("chart_empty", locale),
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontsize=_FONT_TEXT,
            wrap=True,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 6},
        )
        return figure
    handles = []
    for number, key in enumerate(shown, start=1):
        colour, marker = _style(key)
        # Sorted, so the history's order never changes a pixel where dots overlap.
        xs, ys = zip(*sorted(points[key]), strict=True)
        axes.plot(
            xs, ys, linestyle="none", marker=marker, markersize=3.5, color=colour, alpha=0.55
        )
        line_x, line_y = _rolling(per_day[key], first, last)
        axes.plot(line_x, line_y, color=colour, linewidth=1.6)
        label = (
            render("chart_practice", locale, number=number)
            if discreet
            else ritual_name(key, locale)
        )
        handles.append(Line2D([], [], color=colour, marker=marker, linewidth=2, label=label))
    handles.append(
        Line2D([], [], color=_AVERAGE_COLOUR, linewidth=2, label=render("chart_average", locale))
    )
    axes.legend(
        handles=handles,
        loc="upper left",
        # In axes fractions: from the figure's left margin, just under the dates.
        bbox_to_anchor=(-(_LEFT - _MARGIN) / (_WIDTH - _LEFT - _RIGHT), -_BELOW / _PLOT_HEIGHT),
        ncols=2,
        fontsize=_FONT_TEXT,
        frameon=False,
        handlelength=1.6,
        columnspacing=1.0,
        borderaxespad=0,
    )
    return figure


def _rolling(
    ratings: dict[date, list[int]], first: date, last: date
) -> tuple[list[float], list[float]]:
    """Return x (noon of each local day) and the mean of the 7 days ending there, NaN if none.

    NaN breaks the line, so it is never drawn across a stretch with nothing to average.
    """
    # Running sums over the window (plain floats: a picture needs no exact means, and a year
    # of days with Fractions cost more than the drawing).
    since = first - (ROLLING_DAYS - 1) * ONE_DAY
    span = (last - since).days + 1
    sums, counts = [0.0] * span, [0] * span
    for day, values in ratings.items():
        if since <= day <= last:
            sums[(day - since).days] += sum(values)
            counts[(day - since).days] += len(values)
    xs, ys = [], []
    total, count = 0.0, 0
    for index in range(span):
        total, count = total + sums[index], count + counts[index]
        if index >= ROLLING_DAYS:
            total, count = total - sums[index - ROLLING_DAYS], count - counts[index - ROLLING_DAYS]
        if index >= ROLLING_DAYS - 1:
            xs.append(index - (ROLLING_DAYS - 1) + 0.5)  # noon of the day, counted from first
            ys.append(total / count if count else math.nan)
    return xs, ys


def _style(key: str) -> tuple[str, str]:
    # Colour and marker follow the catalogue, so a practice keeps its look from chart to chart.
    catalogue = [item.key for item in rituals()]
    index = catalogue.index(key) if is_ritual(key) else len(catalogue) + sum(map(ord, key))
    return OKABE_ITO[index % len(OKABE_ITO)], MARKERS[index % len(MARKERS)]


def _ticks(first: date, last: date) -> list[date]:
    """Return at most 5 dates to label: every day, 2nd, 3rd day or week; or month starts."""
    span = (last - first).days + 1
    for step in (1, 2, 3, 7, 14):
        if span <= step * _MAX_TICKS:
            # Weekly labels fall on Mondays, so they line up with how weeks are summarised.
            start = first + ((-first.weekday()) % 7 if step >= 7 else 0) * ONE_DAY
            return [start + n * step * ONE_DAY for n in range((last - start).days // step + 1)]
    starts = []
    year, month = first.year, first.month
    while date(year, month, 1) <= last:
        if date(year, month, 1) >= first:
            starts.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    for every in (1, 2, 3, 6, 12):
        chosen = [day for day in starts if (day.month - 1) % every == 0]
        if len(chosen) <= _MAX_TICKS:
            return chosen
    januaries = [day for day in starts if day.month == 1]
    return januaries[:: math.ceil(len(januaries) / _MAX_TICKS)]
