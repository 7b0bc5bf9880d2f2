"""A tap's edit writes its keyboard's JSON itself (bot.handlers.common.keyboard_json), not with
PTB's `to_json`: it must say what PTB would, for every button Attune can make."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from telegram import InlineKeyboardMarkup

from bot import keyboards
from bot.handlers.common import keyboard_json
from messages import locales, ritual_text

BOT = Path(__file__).resolve().parents[2] / "bot"


def _examples(locale: str) -> list[InlineKeyboardMarkup]:
    labels = ritual_text("small_wins", locale).labels
    return [
        keyboards.answered(locale, 7, labels, 3, keyboards.wins(locale, 11)),
        keyboards.answered(locale, 7, labels, 5, None),
        keyboards.win_named(locale, 11, "want", invited=True),
        keyboards.snooze_choices(locale, 7, {"20m": "23:10", "1h": "23:50"}),
        keyboards.settings(locale, paused=False),
        keyboards.languages(locale),
    ]


@pytest.mark.parametrize("locale", locales())
def test_a_keyboard_reads_as_ptb_would_write_it(locale: str) -> None:
    for markup in _examples(locale):
        assert json.loads(keyboard_json(markup)) == markup.to_dict()


def test_every_button_attune_makes_is_a_label_and_callback_data() -> None:
    # keyboard_json writes only these two: a button with a link or anything else would
    # lose it silently, so no such button may be made anywhere in the bot.
    for path in BOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == (
                "InlineKeyboardButton"
            ):
                named = {k.arg for k in node.keywords}
                assert named <= {"text", "callback_data"}, f"{path.name}:{node.lineno}"
                # The second positional argument would be a link (`url`).
                assert len(node.args) <= 1, f"{path.name}:{node.lineno}"
