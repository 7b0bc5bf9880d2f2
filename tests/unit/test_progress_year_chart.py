"""The year picture: a square per day in calm, colour-blind-safe colours, a panel per practice.

Colours are checked twice: as handed to matplotlib, and read back from the PNG's pixels.
Colour-blind safety is checked the way it is defined: the ratings' colours get steadily
lighter (CIE L*), also as people with protanopia or deuteranopia see them (the simulation of
Machado, Oliveira & Fernandes 2009, severity 1), and stay clearly apart from each other and
from the grey of a day without a rating.
"""

from __future__ import annotations

import colorsys
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import matplotlib.image
import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from messages import locales, render, ritual_text, rituals
from progress.history import Entry
from progress.year_chart import build_year_figure, render_year_chart
from progress.year_pixels import EMPTY, day_colours

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)  # Friday, 22:00 in Berlin
KEYS = [item.key for item in rituals()]
SAVE_SCALE = 2  # the PNG is saved at twice the layout's density

PROTANOPIA = np.array(
    [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ]
)
DEUTERANOPIA = np.array(
    [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ]
)
SEEING = {"typical": np.eye(3), "protanopia": PROTANOPIA, "deuteranopia": DEUTERANOPIA}


def at(day: date, hour: int = 22) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN).astimezone(UTC)


def year_of(keys: list[str]) -> list[Entry]:
    """A rating a day for each practice for a year, except every fifth day."""
    today = date(2026, 11, 27)
    return [
        Entry(key, 1 + (n + index) % 5, at(today - timedelta(days=n), 20 - index))
        for index, key in enumerate(keys)
        for n in range(365)
        if n % 5 != 3
    ]


def squares(figure: Figure) -> PolyCollection:
    [collection] = [c for c in figure.axes[0].collections if isinstance(c, PolyCollection)]
    return collection


def calendar(figure: Figure) -> np.ndarray:
    """The colour of each square handed to matplotlib: a row per month, 31 days a row."""
    return np.asarray(squares(figure).get_facecolors()).reshape(-1, 31, 4)


def texts(figure: Figure) -> list[str]:
    return [text.get_text() for text in figure.axes[0].texts]


def linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def lab(rgb: np.ndarray, seeing: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of an sRGB colour as seen with a kind of colour vision."""
    seen = np.clip(seeing @ linear(np.asarray(rgb, dtype=float)), 0, 1)
    xyz = (
        np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
        @ seen
        / np.array([0.95047, 1.0, 1.08883])
    )
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def is_reddish(rgb: tuple[float, float, float]) -> bool:
    """Red, orange-red or pink-red: a hue within 40 degrees of red, with some colour in it."""
    hue, _, saturation = colorsys.rgb_to_hls(*rgb)
    return saturation > 0.15 and (hue < 40 / 360 or hue > 320 / 360)


@pytest.mark.parametrize("seeing", SEEING.values(), ids=SEEING.keys())
def test_ratings_get_steadily_lighter_and_stay_apart_from_each_other_and_from_grey(
    seeing: np.ndarray,
) -> None:
    steps = day_colours(np.linspace(1, 5, 33))[:, :3]
    lightness = [lab(colour, seeing)[0] for colour in steps]
    assert all(b > a for a, b in pairwise(lightness))
    whole = [lab(colour, seeing) for colour in day_colours(np.arange(1.0, 6.0))[:, :3]]
    grey = lab(np.array(to_rgba(EMPTY)[:3]), seeing)
    # CIE76 distances: about 2.3 is just noticeable; 10 and more reads as another colour.
    assert min(np.linalg.norm(a - b) for a, b in pairwise(whole)) > 12
    assert min(np.linalg.norm(grey - colour) for colour in whole) > 12
    assert grey[0] > max(colour[0] for colour in whole)  # no rating is lighter than a rating


def test_no_rating_colour_is_red_and_grey_is_neutral() -> None:
    for colour in day_colours(np.linspace(1, 5, 81))[:, :3]:
        assert not is_reddish(tuple(colour))
    red, green, blue, _ = to_rgba(EMPTY)
    assert red == green == blue


def test_each_day_is_coloured_by_its_mean_and_days_without_a_rating_are_grey() -> None:
    history = [
        Entry("breath", 1, at(date(2026, 11, 2))),
        Entry("body_scan", 4, at(date(2026, 11, 2), 8)),  # 2 Nov: mean 2.5 of two practices
        Entry("breath", 5, at(date(2026, 11, 4))),
    ]
    figure = build_year_figure(history, BERLIN, NOW, "en", discreet=False, months=2)
    pixels = calendar(figure)
    assert pixels.shape == (2, 31, 4)  # October, November
    october, november = pixels
    # Nothing before the first check-in (2 November) or after today (27 November) is drawn.
    assert (october[:, 3] == 0).all()
    assert (november[[0, *range(27, 30)], 3] == 0).all()
    assert november[1] == pytest.approx(day_colours(np.array(2.5)))
    assert november[3] == pytest.approx(day_colours(np.array(5.0)))
    for day in (3, *range(5, 28)):
        assert tuple(november[day - 1]) == to_rgba(EMPTY), day


def test_the_png_has_grey_squares_for_empty_days_and_no_red_anywhere() -> None:
    history = year_of(KEYS)
    figure = build_year_figure(history, BERLIN, NOW, "en", discreet=False, months=12)
    png = render_year_chart(history, BERLIN, NOW, "en", discreet=False, months=12)
    image = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert image.shape[:2] == (figure.bbox.height * SAVE_SCALE, figure.bbox.width * SAVE_SCALE)
    sheet = figure.axes[0]
    outlines = squares(figure).get_paths()

    def pixel(row: int, day: int) -> np.ndarray:
        centre = outlines[row * 31 + day - 1].vertices[:4].mean(axis=0)
        x, y = sheet.transData.transform(centre)
        return image[round((figure.bbox.height - y) * SAVE_SCALE), round(x * SAVE_SCALE), :3]

    # 24 November (row 11) is three days before today: n = 3, a day without any rating.
    assert pixel(11, 24) == pytest.approx(np.array(to_rgba(EMPTY)[:3]), abs=1 / 255)
    # 27 November is rated by all eight: (1 + 2 + 3 + 4 + 5 + 1 + 2 + 3) / 8 = 2.625.
    assert pixel(11, 27) == pytest.approx(day_colours(np.array(2.625))[:3], abs=2 / 255)
    flat = image[..., :3].reshape(-1, 3)
    reddish = (flat[:, 0] > flat[:, 1] + 0.15) & (flat[:, 0] > flat[:, 2] + 0.15)
    assert not reddish.any()


def test_the_key_shows_grey_then_the_five_ratings_and_says_what_they_mean() -> None:
    figure = build_year_figure(year_of(["breath"]), BERLIN, NOW, "en", discreet=True, months=12)
    squares = [p.get_facecolor() for p in figure.axes[0].patches if isinstance(p, Rectangle)]
    assert squares[0] == to_rgba(EMPTY)
    assert np.asarray(squares[1:]) == pytest.approx(day_colours(np.arange(1.0, 6.0)))
    shown = texts(figure)
    for key in ("year_key_empty", "year_key_scale", "year_days_title", "year_weeks_title"):
        assert render(key, "en") in shown
    assert {"1", "2", "3", "4", "5"} <= set(shown)


def test_panels_are_titled_with_the_persons_practices_in_catalogue_order() -> None:
    keys = ["sensory_awareness", "breath", "body_scan"]
    figure = build_year_figure(year_of(keys), BERLIN, NOW, "en", discreet=False, months=12)
    shown = texts(figure)
    names = [ritual_text(item.key).name for item in rituals()]
    assert [t for t in shown if t in names] == [
        ritual_text(key).name for key in ("body_scan", "breath", "sensory_awareness")
    ]
    # The calendar names its twelve months, oldest first, December 2025 to November 2026.
    # CLDR's British English names (Babel): "Sept", not "Sep".
    months = ["Dec", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov"]
    first = shown.index(months[0])
    assert shown[first : first + 12] == months


def test_discreet_panels_are_numbered_and_nothing_names_a_practice() -> None:
    figure = build_year_figure(year_of(KEYS), BERLIN, NOW, "en", discreet=True, months=12)
    shown = texts(figure)
    assert [t for t in shown if t.startswith("Practice")] == [f"Practice {n}" for n in range(1, 9)]
    joined = "\n".join(shown).lower()
    for item in rituals():
        assert item.key not in joined
        for locale in locales():
            assert ritual_text(item.key, locale).name.lower() not in joined


def test_a_panel_draws_weekly_means_with_gaps_for_weeks_without_a_rating() -> None:
    # Monday 2 November: 1 and 2; the week of 9 November: nothing; 16 November: 5.
    history = [
        Entry("breath", 1, at(date(2026, 11, 2))),
        Entry("breath", 2, at(date(2026, 11, 8))),
        Entry("breath", 5, at(date(2026, 11, 18))),
    ]
    figure = build_year_figure(history, BERLIN, NOW, "en", discreet=False, months=1)
    [line] = figure.axes[0].get_lines()
    ys = np.asarray(line.get_ydata(), dtype=float)
    # Weeks from Monday 26 October (the week holding 1 November) to the week of today.
    assert len(ys) == 5
    assert np.isnan(ys[[0, 2, 4]]).all()
    # Pixels run downwards: a mean of 5 sits above a mean of 1.5, and 1.5 is 3.5/4.8 lower.
    assert ys[3] < ys[1]
    low, high = ys[1], ys[3]
    assert (low - high) / 3.5 == pytest.approx(48 / 4.8)
    # A week alone between gaps gets a dot; otherwise it would not show.
    assert list(line.get_markevery()) == [1, 3]


def test_same_input_same_bytes_also_side_by_side_in_threads() -> None:
    history = year_of(["breath", "kind_words"])
    first = render_year_chart(history, BERLIN, NOW, "en", discreet=False, months=12)
    assert render_year_chart(history[::-1], BERLIN, NOW, "en", discreet=False, months=12) == first
    assert b"matplotlib" not in first.lower() and b"Software" not in first
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(
            pool.map(
                lambda _: render_year_chart(history, BERLIN, NOW, "en", discreet=False, months=12),
                range(3),
            )
        )
    assert results == [first] * 3


def test_months_must_be_one_to_twelve() -> None:
    for months in (0, 13):
        with pytest.raises(ValueError):
            build_year_figure([], BERLIN, NOW, "en", discreet=False, months=months)


@pytest.mark.parametrize(
    ("locale", "months"),
    [
        ("de", "Dez Jan Feb Mär Apr Mai Jun Jul Aug Sep Okt Nov"),
        ("es", "dic ene feb mar abr may jun jul ago sept oct nov"),
    ],
)
def test_the_picture_speaks_the_persons_language(locale: str, months: str) -> None:
    keys = ["body_scan", "breath"]
    shown = texts(build_year_figure(year_of(keys), BERLIN, NOW, locale, discreet=False, months=12))
    first = shown.index(months.split()[0])
    assert shown[first : first + 12] == months.split()
    for key in ("year_days_title", "year_weeks_title", "year_key_empty", "year_key_scale"):
        assert render(key, locale) in shown, key
    assert ritual_text("breath", locale).name in shown
