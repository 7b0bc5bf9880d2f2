"""Care on a hard night: a gentle offer after low ratings, and the pause after a crisis reply.

The bot never diagnoses. The crisis reply itself (bot.handlers.crisis) offers to pause
prompts for today; this module carries that out.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot import keyboards
from bot.handlers.common import Reply, answer, edit, is_member, locale_of, reply
from bot.services import AttuneContext
from progress.care import care_offer_key
from scheduler import changes
from store.users import get_user

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
    locale = locale_of(update)
    await answer(query)
    key = "care_grounding" if context.match.group(1) == "yes" else "care_declined"
    await edit(query, reply(key, locale))


async def crisis_answer(update: Update, context: AttuneContext) -> None:
    """After a crisis reply: pause prompts until tomorrow, or keep them."""
    query = update.callback_query
    if query is None or context.match is None:
        return
    now = context.services.clock()
    async with context.services.session() as session, session.begin():
        user = await get_user(session, telegram_id=query.from_user.id)
        locale = locale_of(update, user)
        if context.match.group(1) != "pause" or user is None or not is_member(user):
            outcome = reply("crisis_kept", locale)
        else:
            await changes.crisis_pause(session, user=user, now=now)
            outcome = reply("crisis_paused", locale)
    await answer(query)
    await edit(query, outcome)
