"""Gentle pacing: when a ritual's prompts go untouched several times running, Attune asks
once, kindly, whether another pace would suit, in place of that ritual's next prompt.

What counts (store.pacing keeps the count on the subscription): a prompt that was sent and
closed without any tap counts one. A rating (even a late one), Skip, Later, "keep it as it
is", or any change of the ritual's schedule (its days, time or pause, or a pause of
everything) starts the count from nothing. A prompt closed by a pause, or never sent
because it was found too late after downtime, neither counts nor resets: the person did
not leave it unanswered. While a ritual is paused nothing is sent, so nothing is counted.

How many: four for a ritual that comes on four or more days a week, three for the others.
Four daily prompts are long enough that a busy weekend or two hard evenings pass without
remark, and short enough that a practice that no longer fits is noticed within the week,
before unanswered reminders become the relationship. Three weekly prompts are already three
weeks; waiting for a fourth would leave a month of silence unremarked.

When: at the time the next prompt of that ritual is due, instead of it, so the person gets
one message at a time they chose and never a second one beside it (nothing piles up: an
unanswered prompt is never sent again, only retired). It then does not ask about that
ritual again for 30 days, however the count grows; it changes nothing until the person
taps one of its buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from messages import render, ritual_text

__all__ = ["QUIET_PERIOD", "PacingOffer", "asked_instead", "offer_due", "offer_text", "threshold"]

QUIET_PERIOD = timedelta(days=30)
# A ritual on this many days a week or more is a frequent one (see the module docstring).
_FREQUENT_DAYS = 4


@dataclass(frozen=True, slots=True)
class PacingOffer:
    """The question about a ritual's pace: which ritual, and whether it comes on more than
    one day (then "fewer days" can be offered; otherwise "another day")."""

    ritual_key: str
    several_days: bool


def threshold(weekdays: str) -> int:
    """How many untouched prompts in a row bring the question, for a ritual on these days."""
    return 4 if len(set(weekdays)) >= _FREQUENT_DAYS else 3


def offer_due(
    *, unanswered: int, weekdays: str, asked_at: datetime | None, due_at: datetime
) -> bool:
    """True if the prompt due at `due_at` should make way for the question about pace."""
    if unanswered < threshold(weekdays):
        return False
    return asked_at is None or due_at >= asked_at + QUIET_PERIOD


def asked_instead(due_at: datetime, asked_at: datetime | None) -> bool:
    """True if the prompt row due at `due_at` carried the question instead of a prompt."""
    return asked_at is not None and due_at == asked_at


def offer_text(ritual_key: str, locale: str) -> str:
    """The words of the question about a ritual's pace."""
    return render("pacing_offer", locale, name=ritual_text(ritual_key, locale).name)
