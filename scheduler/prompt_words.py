"""A prompt's words as the person receives them, true to the moment they arrive.

Every path that shows a prompt renders it here: the dispatcher sending it (on time, or
coming back after Later, or taken over from a dispatcher that stopped), the words behind a
discreet prompt's Open, and the prompt shown again after a tap. The moment is the prompt's
latest claim, which the dispatcher makes just before sending it, read on the person's clock:
"{part_of_day}" in a prompt becomes "this evening" only when it is evening for them, and the
same prompt reads the same each time it is shown.
"""

from __future__ import annotations

from datetime import datetime

from messages import prompt_message
from scheduler.planning import day_period
from scheduler.zones import resolve_zone


def sent_period(claimed_at: datetime, timezone: str | None) -> str:
    """The part of the person's day a prompt claimed at `claimed_at` arrives in."""
    if timezone is None:  # never claimed without a zone; a safe word all the same
        return "evening"
    return day_period(claimed_at, resolve_zone(timezone))


def prompt_words(
    key: str, locale: str, variant: int, *, claimed_at: datetime, timezone: str | None
) -> str:
    """The whole prompt message (prompt and rating question), as sent."""
    return prompt_message(key, locale, variant, sent_period(claimed_at, timezone))
