"""Gentle pacing, the person's side: the question about a ritual's pace (scheduler.pacing
says when it comes) and its "keep it as it is".

Its other buttons are the ritual's own: its days, its time question and its pause lengths
(bot.handlers.ritual_schedule and bot.handlers.rituals), so every change they make goes
through scheduler.changes like any other, and each is checked like any other button.
"""

from __future__ import annotations

from telegram import Update

from bot import keyboards
from bot.handlers.common import Reply, reply
from bot.handlers.rituals import next_prompt
from bot.handlers.taps import Tap, member_button, ritual_key
from bot.services import AttuneContext
from messages import ritual_text
from scheduler.pacing import offer_text
from store.models import Subscription
from store.pacing import touched
from store.subscriptions import find_subscription


def offer(sub: Subscription, locale: str) -> Reply:
    """The question about a ritual's pace with its buttons, as a discreet one opens."""
    markup = keyboards.pacing_offer(
        locale, sub.ritual_key, several_days=len(set(sub.weekdays)) > 1
    )
    return Reply(offer_text(sub.ritual_key, locale), markup)


async def keep_button(update: Update, context: AttuneContext) -> None:
    """Keep the ritual as it is: nothing of its schedule changes, and counting starts again."""

    async def keep(tap: Tap) -> Reply | str:
        sub = find_subscription(tap.user, tap.key)
        if sub is None or not sub.active:
            return "toast_ritual_off"
        touched(sub)
        return reply(
            "pacing_kept",
            tap.locale,
            name=ritual_text(tap.key, tap.locale).name,
            next=next_prompt(sub, tap.user, tap.locale, tap.now),
        )

    await member_button(update, context, keep, key=ritual_key(context))
