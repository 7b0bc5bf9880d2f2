"""The boundary between dispatch and Telegram: what a prompt (or a renewed consent
question) is, and who delivers it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from scheduler.pacing import PacingOffer


@dataclass(frozen=True, slots=True)
class OutgoingPrompt:
    """A rendered prompt, ready to hand to a messenger.

    A prompt with no labels has nothing to rate: a weekly summary is sent as plain text
    with no buttons at all, a question about pace (`pacing`) with that question's buttons.
    Discreet, any of them shows only a neutral line until the person taps Open.
    """

    prompt_id: int
    chat_id: int
    locale: str
    text: str
    labels: dict[int, str]  # rating 1-5 -> button label; empty: plain text, no buttons
    can_snooze: bool = True
    # Discreet: the message shows only a neutral line for this part of the person's day
    # ("morning", "afternoon", "evening", "night") until they tap Open.
    discreet: bool = False
    period: str = "evening"
    quiet: bool = False  # no sound or vibration
    pacing: PacingOffer | None = None  # asks about this ritual's pace instead of prompting


@dataclass(frozen=True, slots=True)
class ConsentAsk:
    """Someone who agreed to an older consent text, whose prompt came due: at that moment,
    and once, they are asked about the text now in force instead."""

    user_id: int
    chat_id: int
    locale: str
    quiet: bool = False


class Undeliverable(Exception):
    """The person can no longer be reached (blocked the bot, account deleted)."""


class Sender(Protocol):
    """Delivers prompts and consent questions; returns the message id, raises
    Undeliverable or any error."""

    async def send_prompt(self, prompt: OutgoingPrompt) -> int: ...

    async def ask_consent(self, ask: ConsentAsk) -> int: ...
