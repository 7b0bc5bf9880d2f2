"""Care on a hard night: a gentle offer after low ratings, and crisis replies with help.

The bot never diagnoses. When words signal crisis it stops, says plainly that it is an
automated companion, shows where human help is, and offers to pause prompts for today.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot import keyboards
from bot.handlers.common import Reply, answer, edit, is_member, locale_of, reply, send
from bot.logs import who
from bot.services import AttuneContext
from messages.safety import crisis_resources
from scheduler import changes
from scheduler.zones import country_of_zone
from store.users import get_user

log = logging.getLogger(__name__)


def care_offer(locale: str) -> Reply:
    """After a very low rating: an optional grounding exercise, and no fixing."""
    return reply("care_offer", locale, keyboards.care(locale))


def crisis_reply(
    context: AttuneContext, locale: str, timezone: str | None, *, can_pause: bool
) -> Reply:
    """What the bot says when words signal crisis: plainly, with human help first."""
    country = country_of_zone(timezone) if timezone else None
    path = context.services.settings.crisis_resources
    lines = "\n".join(crisis_resources(country, path))
    markup = keyboards.crisis(locale) if can_pause else None
    return reply("crisis_reply", locale, markup, resources=lines)


async def answer_crisis(update: Update, context: AttuneContext) -> None:
    """Reply to words that signal crisis, instead of carrying on as if nothing happened."""
    tg_user = update.effective_user
    if tg_user is None:
        return
    async with context.services.session() as session:
        user = await get_user(session, telegram_id=tg_user.id)
    log.info("crisis words from %s: answered with help", who(tg_user.id))
    locale = locale_of(update, user)
    timezone = user.timezone if user is not None else None
    await send(update, [crisis_reply(context, locale, timezone, can_pause=is_member(user))])


async def help_now_button(update: Update, context: AttuneContext) -> None:
    """The "I need help now" button of /help."""
    query = update.callback_query
    if query is not None:
        await answer(query)
    await answer_crisis(update, context)


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
