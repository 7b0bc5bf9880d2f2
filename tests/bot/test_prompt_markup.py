"""Prompt keyboards as cached JSON: always exactly what bot.keyboards builds."""

from __future__ import annotations

import json

import pytest

from bot import keyboards
from bot.prompt_markup import prompt_markup
from messages import locales, ritual_text, rituals
from scheduler.pacing import PacingOffer
from scheduler.sender import OutgoingPrompt

# Ids of every length a prompt can have, and the stand-in's own digits among them.
PROMPT_IDS = (1, 7, 98, 4_321, 987_654_321, 123_456_789, 999_999_999)


def outgoing(locale: str, key: str, prompt_id: int, **fields: object) -> OutgoingPrompt:
    labels = dict(ritual_text(key, locale).labels)
    values: dict[str, object] = {"labels": labels, **fields}
    return OutgoingPrompt(prompt_id, 1, locale, "words", **values)  # type: ignore[arg-type]


@pytest.mark.parametrize("locale", locales())
def test_every_prompt_keyboard_is_the_one_bot_keyboards_builds(locale: str) -> None:
    for ritual in rituals():
        labels = dict(ritual_text(ritual.key, locale).labels)
        for prompt_id in PROMPT_IDS:
            for can_snooze in (True, False):
                cached = prompt_markup(
                    outgoing(locale, ritual.key, prompt_id, can_snooze=can_snooze)
                )
                built = keyboards.prompt(locale, prompt_id, labels, can_snooze=can_snooze)
                assert built is not None and cached is not None
                assert json.loads(cached) == built.to_dict()
            discreet = prompt_markup(outgoing(locale, ritual.key, prompt_id, discreet=True))
            assert discreet is not None
            assert json.loads(discreet) == keyboards.open_prompt(locale, prompt_id).to_dict()


@pytest.mark.parametrize("several_days", [True, False])
def test_a_question_about_pace_has_its_own_keyboard(several_days: bool) -> None:
    for ritual in rituals():
        offer = PacingOffer(ritual.key, several_days=several_days)
        cached = prompt_markup(outgoing("en", ritual.key, 5, labels={}, pacing=offer))
        built = keyboards.pacing_offer("en", ritual.key, several_days=several_days)
        assert cached is not None and json.loads(cached) == built.to_dict()


def test_nothing_to_rate_has_no_keyboard() -> None:
    assert prompt_markup(outgoing("en", "body_scan", 5, labels={})) is None
