"""What the bot adds around progress/: journal notes as first notes, history pages, the
/progress message with its observations, and the chart's caption (discreet or not)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from matplotlib.text import Text

from messages import render, ritual_text, rituals
from progress.chart import build_figure
from progress.history import Entry
from progress.milestones import journal_milestones, new_milestones
from progress.patterns import patterns
from progress.picture import CAPTION_LIMIT, choose_picture, picture_caption
from progress.report import progress_message, progress_text

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 20, 20, 0, tzinfo=UTC)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN).astimezone(UTC)


def paired_history() -> list[Entry]:
    """Four weeks where breath days go with higher body-scan ratings: a pattern to observe."""
    start = date(2026, 11, 23)
    history = []
    for offset in range(28):
        day = start + timedelta(days=offset)
        with_breath = offset % 2 == 0
        if with_breath:
            history.append(Entry("breath", 3, at(day, 8)))
        history.append(Entry("body_scan", 5 if with_breath else 2, at(day, 22)))
    return history


def test_a_journal_note_is_a_first_note_once() -> None:
    assert journal_milestones(frozenset()) == ["first_note"]
    assert journal_milestones(frozenset({"first:breath", "total_3"})) == ["first_note"]
    assert journal_milestones(frozenset({"first_note"})) == []


def test_a_journal_note_first_means_a_note_on_a_check_in_is_not_a_first_again() -> None:
    # The two rules share one key, so whichever comes first is the one celebrated.
    latest = Entry("breath", 4, at(date(2026, 12, 1), 8), has_note=True)
    reached = frozenset(journal_milestones(frozenset()))
    assert "first_note" not in new_milestones(latest, BERLIN, earlier=[], total=1, reached=reached)
    assert "first_note" in new_milestones(latest, BERLIN, earlier=[], total=1, reached=set())


def test_progress_message_adds_observations_after_the_summary() -> None:
    history = paired_history()
    found = patterns(history, BERLIN, "en")
    assert found, "the history is built to show a pattern"
    message = progress_message(history, BERLIN, NOW, "en")
    expected = render("progress_observations", "en", lines="\n".join(found))
    assert message == f"{progress_text(history, BERLIN, NOW, 'en')}\n\n{expected}"


def test_progress_message_without_patterns_is_the_summary_alone() -> None:
    history = [Entry("breath", 3, at(date(2026, 12, 1), 8))]
    assert progress_message(history, BERLIN, NOW, "en") == progress_text(
        history, BERLIN, NOW, "en"
    )
    assert progress_message([], BERLIN, NOW, "en") == render("progress_empty", "en")


def test_the_caption_names_the_practices_drawn() -> None:
    picture = choose_picture(paired_history(), BERLIN, NOW)
    assert picture is not None
    caption = picture_caption(picture, "en", discreet=False)
    assert ritual_text("body_scan").name in caption and ritual_text("breath").name in caption
    assert len(caption) <= CAPTION_LIMIT


def test_nothing_to_draw_means_no_chart() -> None:
    old = [Entry("breath", 3, NOW - timedelta(days=400))]
    assert choose_picture([], BERLIN, NOW) is None
    assert choose_picture(old, BERLIN, NOW) is None
    assert choose_picture(old[:1] + paired_history(), BERLIN, NOW) is not None


def test_discreet_progress_names_no_practice_in_the_caption_or_the_picture() -> None:
    history = paired_history()
    picture = choose_picture(history, BERLIN, NOW)
    assert picture is not None
    caption = picture_caption(picture, "en", discreet=True)
    assert caption == render("chart_caption_discreet", "en")
    figure = build_figure(history, BERLIN, NOW, "en", discreet=True, days=picture.span)
    figure.canvas.draw()  # tick labels exist only once the figure is laid out
    texts = [text.get_text() for text in figure.findobj(Text) if text.get_text()]
    shown = "\n".join([*texts, caption]).lower()
    for item in rituals():
        assert item.key not in shown
        assert ritual_text(item.key).name.lower() not in shown
    assert {"Practice 1", "Practice 2"} <= set(texts)
