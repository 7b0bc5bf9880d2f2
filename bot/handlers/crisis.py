"""When words signal danger: a reply in the same turn, with human help for the person's country.

Whatever a person types (a message, an edit, a caption, a command's words, an answer to a
question the bot asked) is read for danger before anything else, even before /start and
from someone who never consented; nothing from it is stored. The reply says first that
this is an automated companion and a person can help, then gives the lines for that kind
of danger. Disclosures of harm are believed, never questioned, and get a way to keep the
chat private on a shared phone. Only the kinds of danger are logged, never the words.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update
from telegram.ext import ApplicationHandlerStop

from bot import awaiting, callbacks, keyboards
from bot.handlers.common import (
    Reply,
    answer,
    edit,
    is_member,
    is_private,
    locale_of,
    reply,
    send,
)
from bot.handlers.taps import visit
from bot.logs import who
from bot.services import AttuneContext
from messages import render
from messages.formats import country_name
from messages.resources import Category, Resources, load_resources
from messages.safety import detect
from scheduler.zones import country_of_zone
from store.models import User

log = logging.getLogger(__name__)

HARM = frozenset({Category.SEXUAL_VIOLENCE, Category.PARTNER_VIOLENCE})
SELF = frozenset({Category.SUICIDE, Category.SELF_HARM})
# What "I need help now" shows: the crisis lines and the emergency number.
HELP_NOW = frozenset({Category.SUICIDE, Category.DANGER_NOW})
# ISO 3166's code for "unknown": the person chose "somewhere else".
ELSEWHERE = "ZZ"


async def watch(update: Update, context: AttuneContext) -> None:
    """Read everything typed in a private chat for danger; answer it and stop if found.

    A note the person was asked for is the one exception: it is kept, and the note flow
    answers it with the same care.
    """
    tg_user = update.effective_user
    dangers = _dangers_in(update)
    if tg_user is None or not dangers:
        return
    async with visit(update, context) as v:
        user = v.user  # read only
    text = update.message.text if update.message is not None else None
    is_note = text is not None and not text.startswith("/")
    asked = awaiting.parse(user.awaiting) if user is not None else None
    if is_note and is_member(user) and asked is not None and asked.is_note:
        return
    log.info("danger words (%s) from %s: answered with help", _names(dangers), who(tg_user.id))
    await send(update, [crisis_reply(context, locale_of(update, user), user, dangers)])
    raise ApplicationHandlerStop


def has_danger(update: Update) -> bool:
    """True if what was typed in a private chat signals danger (bot.intake keeps room for it
    past a flood)."""
    return bool(_dangers_in(update))


def _dangers_in(update: Update) -> frozenset[Category]:
    message = update.message or update.edited_message
    if message is None or not is_private(update):
        return frozenset()
    typed = _what_was_said(message.text or message.caption or "")
    return detect(typed, locale_of(update)) if typed else frozenset()


def crisis_reply(
    context: AttuneContext,
    locale: str,
    user: User | None,
    dangers: frozenset[Category],
    *,
    asked: bool = False,
) -> Reply:
    """The answer to words of danger (or to "I need help now", when `asked`)."""
    resources = _resources(context)
    country = country_of(user)
    harm = bool(dangers & HARM)
    # Pausing is offered for what a person may be going through tonight (not after a
    # disclosure of harm, which is answered with belief and privacy instead).
    tonight = asked or bool(dangers & (SELF | {Category.DANGER_NOW}))
    can_pause = tonight and is_member(user) and user is not None and user.timezone is not None
    parts = [render(_first_part(dangers, asked=asked), locale)]
    if harm and Category.DANGER_NOW in dangers:
        parts.append(render("crisis_not_your_fault", locale))
    parts.append("\n".join(resources.lines(country, dangers, locale)))
    if country is None:
        parts.append(render("crisis_country_unknown", locale))
    if can_pause:
        parts.append(render("crisis_ask_pause", locale))
    if harm:
        parts.append(render("crisis_offer_private", locale))
    markup = keyboards.crisis(
        locale,
        can_pause=can_pause,
        offer_private=harm,
        ask_country=callbacks.dangers_code(dangers) if country is None else None,
    )
    return Reply("\n\n".join(parts), markup)


def _first_part(dangers: frozenset[Category], *, asked: bool) -> str:
    if asked:
        return "crisis_first_help"
    if Category.DANGER_NOW in dangers:
        return "crisis_first_danger"
    if dangers & HARM:
        return "crisis_first_harm"
    return "crisis_first_self"


def country_of(user: User | None) -> str | None:
    """The country whose lines to show: the one chosen, else the timezone's country."""
    if user is None:
        return None
    if user.country is not None:
        return user.country  # ELSEWHERE has no table: the international lines
    return country_of_zone(user.timezone) if user.timezone else None


async def _presser(update: Update, context: AttuneContext) -> tuple[CallbackQuery, User | None]:
    """The pressed button, answered, and who pressed it (None before /start); reads only."""
    query = update.callback_query
    assert query is not None  # routed by a CallbackQueryHandler
    await answer(query)
    async with visit(update, context) as v:
        return query, v.user


async def help_now_button(update: Update, context: AttuneContext) -> None:
    """The "I need help now" button: the crisis lines, whatever was or wasn't typed."""
    query, user = await _presser(update, context)
    log.info("help asked for by %s: answered with help", who(query.from_user.id))
    reply_ = crisis_reply(context, locale_of(update, user), user, HELP_NOW, asked=True)
    await send(update, [reply_])


async def private_button(update: Update, context: AttuneContext) -> None:
    """Ways to keep this chat private on a shared phone: offered, never imposed."""
    _, user = await _presser(update, context)
    locale = locale_of(update, user)
    markup = keyboards.privacy_settings(locale) if is_member(user) else None
    # A new message: the help lines above stay where they are.
    await send(update, [reply("crisis_private", locale, markup)])


async def country_ask_button(update: Update, context: AttuneContext) -> None:
    """Which country's help lines: from a crisis reply (a new message, the lines above stay)
    or from /settings (in place)."""
    query, user = await _presser(update, context)
    dangers = context.match.group(1) if context.match is not None else ""
    locale = locale_of(update, user)
    codes = _resources(context).countries
    question = reply("crisis_country_ask", locale, keyboards.countries(locale, codes, dangers))
    if dangers:
        await send(update, [question])
    elif is_member(user):
        await edit(query, question)


async def country_button(update: Update, context: AttuneContext) -> None:
    """A country chosen: remembered for someone who consented, and its lines shown."""
    query = update.callback_query
    if query is None or context.match is None:
        return
    code, letters = context.match.group(1), context.match.group(2)
    resources = _resources(context)
    country = code if code in resources.countries else None
    async with visit(update, context) as v:
        locale, tap = v.locale, v.tap()
        member = tap is not None
        if tap is not None:
            # "Somewhere else" is remembered too, so the question is asked only once.
            tap.user.country = country or ELSEWHERE
    await answer(query)
    name = country_name(country, locale) if country else ""
    if not letters:  # from /settings
        if member:
            key = "country_saved" if country else "country_cleared"
            await edit(query, reply(key, locale, keyboards.back_to_settings(locale), country=name))
        return
    lines = "\n".join(resources.lines(country, callbacks.dangers_of(letters), locale))
    key = "crisis_lines_for" if country else "crisis_lines_elsewhere"
    text = render(key, locale, country=name, resources=lines)
    if member:
        text += "\n\n" + render("crisis_country_remembered", locale)
    await edit(query, Reply(text))


def _resources(context: AttuneContext) -> Resources:
    # Loaded and checked at start (bot.app), so this is a cached read.
    return load_resources(context.services.settings.crisis_resources)


def _what_was_said(typed: str) -> str:
    """The words to read: a command's own name ("/help") is not something a person said,
    what follows it is."""
    if typed.startswith("/"):
        return typed.partition(" ")[2]
    return typed


def _names(dangers: frozenset[Category]) -> str:
    return ",".join(sorted(dangers))
