"""Care on a hard night: a gentle offer after low ratings, and the pause after a crisis reply.

The bot never diagnoses. The crisis reply itself (bot.handlers.crisis) offers to pause
prompts for today; this module carries that out.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot import keyboards
from bot.handlers.common import Reply, answer, edit, reply
from bot.handlers.taps import person_locale, visit
from bot.services import AttuneContext
from progress.care import care_offer_key
from scheduler import changes

log = logging.getLogger(__name__)


def care_offer(locale: str, ritual_key: str, offered: int) -> Reply:
    """After a very low rating: an optional grounding exercise, and no fixing, in words
    for the practice, taking turns with the person's earlier offers (``offered`` of them)."""
    return reply(care_offer_key(ritual_key, offered), locale, keyboards.care(locale))


async def grounding_answer(update: Update, context: AttuneContext) -> None:
    """The care offer's buttons: the exercise now, or not now."""
    query = update.callback_query
    if query is None or context.match is None:
        return
    locale = await person_locale(update, context)
    await answer(query)
    key = "care_grounding" if context.match.group(1) == "yes" else "care_declined"
    await edit(query, reply(key, locale))


async def crisis_answer(update: Update, context: AttuneContext) -> None:
    """After a crisis reply: pause prompts until tomorrow, or keep them."""
    query = update.callback_query
    if query is None or context.match is None:
        return
    async with visit(update, context) as v:
        tap = v.tap()
        if context.match.group(1) != "pause" or tap is None:
            outcome = reply("crisis_kept", v.locale)
        else:
            await changes.crisis_pause(tap.session, user=tap.user, now=tap.now)
            outcome = reply("crisis_paused", v.locale)
    await answer(query)
    await edit(query, outcome)
