"""Named steps: which practices offer them, their words, and their buttons."""

from __future__ import annotations

import re

import pytest

from bot import callbacks, keyboards
from messages import is_ritual, locales, render
from progress.wins import WIN_KINDS, WIN_RITUALS, is_win, offers_wins

TOAST_LIMIT = 200  # Telegram's limit for a button's answer
LABEL_LIMIT = 20  # two buttons side by side on a phone 360 px wide
# A win is a moment, never a tally: no numbers, no "again", no "this week".
COUNTING = re.compile(r"\d|\b(?:times?|again|count\w*|week\w*|streak\w*|in a row)\b", re.I)


def test_steps_are_offered_after_the_practices_about_steps_and_needs() -> None:
    assert set(WIN_RITUALS) == {"small_wins", "needs_boundaries"}
    assert all(is_ritual(key) for key in WIN_RITUALS)
    assert offers_wins("small_wins") and not offers_wins("body_scan")
    assert not offers_wins("retired_practice")


def test_every_kind_is_a_short_code_a_button_can_carry() -> None:
    assert len(set(WIN_KINDS)) == len(WIN_KINDS) == 6
    for kind in WIN_KINDS:
        assert is_win(kind)
        data = callbacks.win(999_999_999, kind)
        match = callbacks.WIN.fullmatch(data)
        assert match is not None and match.groups() == ("999999999", kind)
    assert not is_win("") and not is_win("None")


@pytest.mark.parametrize("locale", locales())
@pytest.mark.parametrize("kind", WIN_KINDS)
def test_every_kind_has_its_words(locale: str, kind: str) -> None:
    label = render(f"win_label_{kind}", locale)
    noted = render(f"win_noted_{kind}", locale)
    name = render(f"milestone_name_win_{kind}", locale)
    assert 0 < len(label) <= LABEL_LIMIT, label
    assert 0 < len(noted) <= TOAST_LIMIT, noted
    for text in (label, noted, name, render(f"milestone_win_{kind}", locale)):
        assert not COUNTING.search(text), text


@pytest.mark.parametrize("locale", locales())
def test_kinds_read_differently(locale: str) -> None:
    for prefix in ("win_label_", "win_noted_", "milestone_win_", "milestone_name_win_"):
        texts = {render(f"{prefix}{kind}", locale) for kind in WIN_KINDS}
        assert len(texts) == len(WIN_KINDS), prefix


def test_the_offer_is_every_kind_two_to_a_row_then_no_thanks() -> None:
    markup = keyboards.wins("en", 42)
    rows = [[button.callback_data for button in row] for row in markup.inline_keyboard]
    assert rows == [
        [callbacks.win(42, "want"), callbacks.win(42, "no")],
        [callbacks.win(42, "compliment"), callbacks.win(42, "desire")],
        [callbacks.win(42, "tender"), callbacks.win(42, "play")],
        [callbacks.no_note(42)],
    ]


@pytest.mark.parametrize("invited", [True, False])
def test_a_named_step_stays_marked_and_no_thanks_only_while_words_are_invited(
    invited: bool,
) -> None:
    markup = keyboards.win_named("en", 42, "tender", invited=invited)
    rows = [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]
    marked = [("✓ " + render("win_label_tender"), callbacks.win(42, "tender"))]
    assert rows == (
        [marked, [(render("btn_no_thanks"), callbacks.no_note(42))]] if invited else [marked]
    )
