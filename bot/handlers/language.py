"""/language: the language Attune writes in, chosen with a button and kept in users.locale.

At /start the language comes from Telegram's language_code (German and Spanish as such,
anything else English); here the person chooses. Anyone who has begun with /start may
choose, even before agreeing to anything: the welcome and the consent question are read in
it, and the row that holds it already exists. Nothing else changes with the language.
"""

from __future__ import annotations

from telegram import Update

from bot import keyboards
from bot.handlers.common import Reply, answer, edit, reply, send
from bot.handlers.taps import Tap, choice, in_own_chat, member_button, visit
from bot.services import AttuneContext
from messages import locales


def language_page(locale: str) -> Reply:
    """The question and one button per language, the person's own marked."""
    return reply("language_ask", locale, keyboards.languages(locale))


async def language_command(update: Update, context: AttuneContext) -> None:
    """/language: the choices, for anyone who has begun with /start."""
    if update.effective_user is None:
        return
    async with visit(update, context) as v:
        shown = language_page(v.locale) if v.user is not None else reply("need_start", v.locale)
    await send(update, [shown])


async def page_button(update: Update, context: AttuneContext) -> None:
    """The Language button in /settings: the same choices, in place."""

    async def show(tap: Tap) -> Reply:
        return language_page(tap.locale)

    await member_button(update, context, show)


async def language_button(update: Update, context: AttuneContext) -> None:
    """A language chosen: kept, and the message says so in that language."""
    query = update.callback_query
    if query is None:
        return
    tag = choice(context)
    async with visit(update, context) as v:
        user = v.user
        if user is None:
            outcome: Reply | str = "toast_start_first"
        elif not in_own_chat(query, user):
            outcome = "toast_not_yours"
        elif tag not in locales():
            outcome = "toast_button_unknown"
        else:
            user.locale = tag
            outcome = reply("language_set", tag, keyboards.languages(tag))
    if isinstance(outcome, str):
        await answer(query, reply(outcome, v.locale).text)
        return
    await answer(query)
    await edit(query, outcome)
