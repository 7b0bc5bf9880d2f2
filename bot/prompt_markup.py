"""A prompt's keyboard as the JSON Telegram receives, made once per locale and ritual.

The dispatcher sends prompts by the thousand, and building PTB's keyboard objects cost more
CPU than anything else per prompt. So `bot.keyboards` (the one place keyboards are made)
builds each kind once, for a stand-in prompt id, and the JSON is cut where that id
stands; a prompt's keyboard is then the pieces joined with its own id.
"""

from __future__ import annotations

from functools import lru_cache

from telegram import InlineKeyboardMarkup

from bot import keyboards
from scheduler.sender import OutgoingPrompt

# A prompt id of nine digits (as real ones are at most): in the JSON built for it, it
# stands only where a prompt's id goes, since no label holds a number that long.
_STAND_IN = 987_654_321

# Pieces of a keyboard's JSON; a prompt's id goes between each two.
Template = tuple[str, ...]


def prompt_markup(prompt: OutgoingPrompt) -> str | None:
    """The JSON of the keyboard `bot.keyboards` makes for this prompt (None: no buttons).

    Discreet: Open; a question about pace: its choices; else the ratings, Later (if it may
    be put off) and Skip; a weekly summary (nothing to rate) has none.
    """
    if prompt.discreet:
        return fill(_open(prompt.locale), prompt.prompt_id)
    if prompt.pacing is not None:
        return _pacing(prompt.locale, prompt.pacing.ritual_key, prompt.pacing.several_days)
    if not prompt.labels:
        return None
    labels = tuple(prompt.labels.items())
    return fill(_ratings(prompt.locale, labels, prompt.can_snooze), prompt.prompt_id)


def fill(template: Template, prompt_id: int) -> str:
    """A template's JSON with `prompt_id` wherever the stand-in id was."""
    return str(prompt_id).join(template)


def _cut(markup: InlineKeyboardMarkup | None) -> Template:
    if markup is None:
        raise ValueError("a prompt with labels has buttons")
    return tuple(markup.to_json().split(str(_STAND_IN)))


@lru_cache(maxsize=256)
def _open(locale: str) -> Template:
    return _cut(keyboards.open_prompt(locale, _STAND_IN))


@lru_cache(maxsize=1024)
def _ratings(locale: str, labels: tuple[tuple[int, str], ...], can_snooze: bool) -> Template:
    return _cut(keyboards.prompt(locale, _STAND_IN, dict(labels), can_snooze=can_snooze))


@lru_cache(maxsize=1024)
def _pacing(locale: str, ritual_key: str, several_days: bool) -> str:
    # Names the ritual, never the prompt: the same for everyone.
    return keyboards.pacing_offer(locale, ritual_key, several_days=several_days).to_json()
