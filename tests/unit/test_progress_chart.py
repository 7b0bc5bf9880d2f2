"""The progress chart: a real PNG, the same bytes for the same input, and discreet words."""

from __future__ import annotations

import io
import struct
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import matplotlib.image
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.text import Text

from messages import locales, render, ritual_text, rituals
from progress.chart import OKABE_ITO, build_figure, render_chart
from progress.history import Entry

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def some_history(days: int = 60) -> list[Entry]:
    return [
        Entry(item.key, 1 + (day * (index + 2)) % 5, NOW - timedelta(days=day, hours=index))
        for index, item in enumerate(rituals())
        for day in range(0, days, 1 + index % 3)
    ]


def texts_of(history: list[Entry], *, discreet: bool) -> list[str]:
    """Every text drawn in the figure, tick labels and legend included."""
    figure = build_figure(history, BERLIN, NOW, "en", discreet=discreet)
    figure.canvas.draw()  # tick labels exist only once the figure is laid out
    return [text.get_text() for text in figure.findobj(Text) if text.get_text()]


def test_the_png_decodes_with_the_expected_size() -> None:
    # 360 pixels of a phone's width at twice the density; under the plot, a legend of eight
    # practices and the average, two to a row (five rows).
    png = render_chart(some_history(), BERLIN, NOW, "en", discreet=False)
    assert png.startswith(PNG_SIGNATURE)
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (720, 738)
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (738, 720)
    one = [entry for entry in some_history() if entry.ritual_key == "breath"]
    assert struct.unpack(">II", render_chart(one, BERLIN, NOW, "en", discreet=False)[16:24]) == (
        720,
        602,
    )


def test_same_input_same_bytes_and_no_version_or_time_inside() -> None:
    history = some_history()
    first = render_chart(history, BERLIN, NOW, "en", discreet=False)
    assert render_chart(history[::-1], BERLIN, NOW, "en", discreet=False) == first
    assert b"matplotlib" not in first.lower() and b"Software" not in first


def test_threads_draw_side_by_side() -> None:
    history = some_history(20)
    expected = render_chart(history, BERLIN, NOW, "en", discreet=True, days=30)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(
                lambda _: render_chart(history, BERLIN, NOW, "en", discreet=True, days=30),
                range(4),
            )
        )
    assert results == [expected] * 4


def test_names_and_words_in_the_normal_chart() -> None:
    texts = texts_of(some_history(), discreet=False)
    for item in rituals():
        assert ritual_text(item.key, "en").name in texts
    for key in ("chart_ylabel", "chart_xlabel", "chart_average"):
        assert render(key, "en") in texts
    assert render("chart_title", "en", days=90) in texts
    assert "27 Nov" in texts or any(text.endswith("Nov") for text in texts)


def test_discreet_chart_names_no_practice() -> None:
    texts = texts_of(some_history(), discreet=True)
    joined = "\n".join(texts).lower()
    for item in rituals():
        assert item.key not in joined
        for locale in locales():
            name = ritual_text(item.key, locale)
            for word in (name.name, *name.labels.values()):
                assert word.lower() not in joined, word
    assert render("chart_title_discreet", "en") in texts
    assert [f"Practice {number}" for number in range(1, 9)] == [
        t for t in texts if t.startswith("Practice")
    ]


def test_colours_are_okabe_ito() -> None:
    figure = build_figure(some_history(), BERLIN, NOW, "en", discreet=False)
    colours = {to_hex(line.get_color()).upper() for line in figure.axes[0].get_lines()}
    assert colours <= set(OKABE_ITO)
    assert len(colours) == 8


def test_an_empty_chart_says_so_warmly() -> None:
    texts = texts_of([], discreet=True)
    assert render("chart_empty", "en") in texts
    assert render_chart([], BERLIN, NOW, "en", discreet=False).startswith(PNG_SIGNATURE)


def test_a_late_check_in_sits_in_its_local_day() -> None:
    # 23:30 CET on 25 Oct (the day summer time ends) is 22:30 UTC; the window starts on 25 Oct.
    late = Entry("breath", 4, datetime(2026, 10, 25, 22, 30, tzinfo=UTC))
    now = datetime(2026, 10, 26, 12, 0, tzinfo=UTC)
    figure = build_figure([late], BERLIN, now, "en", discreet=False, days=2)
    dots = figure.axes[0].get_lines()[0]
    assert np.asarray(dots.get_xdata()).tolist() == pytest.approx([23.5 / 24])
    assert np.asarray(dots.get_ydata()).tolist() == [4]


def test_the_rolling_mean_covers_seven_local_days() -> None:
    ratings = [1, 2, 3, 4, 5, 5, 5, 5]  # one a day, 20..27 Nov at 22:00 Berlin
    history = [Entry("breath", r, NOW - timedelta(days=7 - n)) for n, r in enumerate(ratings)]
    figure = build_figure(history, BERLIN, NOW, "en", discreet=False, days=2)
    line = figure.axes[0].get_lines()[1]
    # 26 Nov: 20..26 -> (1+2+3+4+5+5+5)/7; 27 Nov: 21..27 -> (2+3+4+5+5+5+5)/7.
    assert np.asarray(line.get_ydata()).tolist() == pytest.approx([25 / 7, 29 / 7])
    assert np.asarray(line.get_xdata()).tolist() == pytest.approx([0.5, 1.5])


def test_days_must_be_positive() -> None:
    with pytest.raises(ValueError):
        render_chart([], BERLIN, NOW, "en", discreet=False, days=0)


@pytest.mark.parametrize(("locale", "date_end"), [("de", "Nov."), ("es", "nov")])
def test_the_chart_speaks_the_persons_language(locale: str, date_end: str) -> None:
    figure = build_figure(some_history(), BERLIN, NOW, locale, discreet=False)
    figure.canvas.draw()
    texts = [text.get_text() for text in figure.findobj(Text) if text.get_text()]
    for key in ("chart_ylabel", "chart_xlabel", "chart_average"):
        assert render(key, locale) in texts, key
    assert render("chart_title", locale, days=90) in texts
    assert ritual_text("breath", locale).name in texts
    assert any(text.endswith(date_end) for text in texts)  # "27. Nov.", "27 nov"
