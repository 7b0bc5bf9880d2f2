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

from messages import prompt_message, ritual_text
from scheduler.planning import day_period
from scheduler.sender import OutgoingPrompt
from scheduler.zones import resolve_zone
from store.prompts import ClaimedPrompt


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


def outgoing(item: ClaimedPrompt) -> OutgoingPrompt:
    """A claimed prompt with its rating buttons, as the person's settings ask it to arrive.

    Its words and a discreet first line both speak of the part of the person's day it is
    sent in (a snoozed one comes back later, and says so).
    """
    return OutgoingPrompt(
        prompt_id=item.prompt_id,
        chat_id=item.chat_id,
        locale=item.locale,
        text=prompt_words(
            item.ritual_key,
            item.locale,
            item.variant,
            claimed_at=item.claimed_at,
            timezone=item.timezone,
        ),
        labels=dict(ritual_text(item.ritual_key, item.locale).labels),
        can_snooze=item.can_snooze,
        discreet=item.discreet,
        period=sent_period(item.claimed_at, item.timezone),
        quiet=item.quiet,
    )
