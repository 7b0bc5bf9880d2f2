"""Help, privacy, free text routing, and the kind answers to everything unexpected."""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import awaiting, keyboards
from bot.handlers import notes, onboarding, rituals, sharing, summary
from bot.handlers.common import Reply, answer, is_private, locale_of, reply, send
from bot.handlers.taps import Visit, not_yet, person_locale, visit
from bot.services import AttuneContext

log = logging.getLogger(__name__)

# Longer typed input is never a timezone or a time; it is answered without parsing.
MAX_ANSWER_CHARS = 200


async def help_command(update: Update, context: AttuneContext) -> None:
    """/help: the commands, in plain words, and always a way to human help."""
    locale = await person_locale(update, context)
    await send(update, [reply("help", locale, keyboards.help_now(locale))])


async def unknown_command(update: Update, context: AttuneContext) -> None:
    """A command the bot doesn't have."""
    await send(update, [reply("unknown_command", await person_locale(update, context))])


async def edited(update: Update, context: AttuneContext) -> None:
    """An edited message: what it first said was already answered; nothing more to do."""


async def not_text(update: Update, context: AttuneContext) -> None:
    """Stickers, photos, voice and the like: the bot reads only text and buttons."""
    await send(update, [reply("not_text", await person_locale(update, context))])


async def text(update: Update, context: AttuneContext) -> None:
    """Typed text: the answer to an open question, or a gentle pointer to /help."""
    message = update.effective_message
    if message is None or message.text is None or update.effective_user is None:
        return
    async with visit(update, context) as v:
        replies = await _typed(context, v, message.text.strip())
    await send(update, replies)


async def _typed(context: AttuneContext, v: Visit, typed: str) -> list[Reply]:
    tap = v.tap()
    asked = awaiting.parse(v.user.awaiting) if v.user is not None else None
    # Words of danger never reach here (bot.handlers.crisis answers them first), except a
    # note the person was asked for: it is kept, and the note flow answers with care.
    if tap is not None and asked is not None and asked.is_note:
        return await notes.note_text(context, tap, asked, typed)
    if tap is None:
        return not_yet(v)
    if asked == awaiting.IMPORT:  # a file was asked for; typed words are read as any others
        tap.user.awaiting, asked = None, None
    if asked is not None and len(typed) > MAX_ANSWER_CHARS:
        return [reply("answer_too_long", v.locale)]
    if asked == awaiting.TIMEZONE:
        return await onboarding.zone_text(tap, typed)
    if asked in (awaiting.SHARE_NAME, awaiting.PARTNER_NAME):
        partner = asked == awaiting.PARTNER_NAME
        return await sharing.name_text(tap, typed, context.bot.username, partner=partner)
    if asked is not None and tap.user.timezone is None:
        return [reply("need_start", v.locale)]  # the answers below schedule in their zone
    if asked == awaiting.SUMMARY_TIME:
        return await summary.time_text(tap, typed)
    if asked is not None and asked.question == awaiting.Question.RITUAL_TIME:
        assert asked.ritual is not None  # parse() keeps only a ritual in the catalogue
        return await rituals.time_text(tap, asked.ritual, typed)
    # Maybe something personal: a warm word, a place to keep it, and help.
    return [reply("free_text", v.locale, keyboards.free_text(v.locale))]


async def stale_button(update: Update, context: AttuneContext) -> None:
    """A button whose data matches nothing the bot makes (old, or forged)."""
    query = update.callback_query
    if query is not None:
        locale = await person_locale(update, context)
        await answer(query, reply("toast_button_unknown", locale).text, show_alert=True)


async def private_only(update: Update, context: AttuneContext) -> None:
    """Outside a private chat: say so once, leave the chat, store nothing.

    Also stops a button press with no data at all: PTB would route it to every
    pattern handler, which can't make sense of it.
    """
    query = update.callback_query
    if query is not None and not query.data:
        await answer(query, reply("toast_button_unknown", locale_of(update)).text)
        raise ApplicationHandlerStop
    if is_private(update):
        return
    chat = update.effective_chat
    member = update.my_chat_member
    if member is not None and member.new_chat_member.status in ("left", "kicked"):
        raise ApplicationHandlerStop  # already gone: nothing to say
    if update.callback_query is not None:
        await answer(update.callback_query, reply("private_only", locale_of(update)).text)
    if chat is not None:
        try:
            await send(update, [reply("private_only", locale_of(update))])
            await context.bot.leave_chat(chat.id)
        except TelegramError as error:  # a channel we may not post in, or already left
            log.info("could not leave a group politely: %s", type(error).__name__)
    raise ApplicationHandlerStop


async def slow_down(update: Update) -> None:
    """Said once when a person's updates are dropped (bot.intake): too many, too fast."""
    if is_private(update):
        await send(update, [reply("flood_slow_down", locale_of(update))])


async def on_error(update: object, context: AttuneContext) -> None:
    """Log the failure without personal data and tell the person nothing was lost."""
    error = context.error
    # The type and the code path only: an exception's message can quote what a person
    # typed, or SQL parameters.
    where = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    log.error("handler failed: %s\n%s", type(error).__name__, where)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        await send(update, [reply("error_generic", locale_of(update))])
    except Exception as send_error:  # Telegram itself may be what failed
        log.warning("could not tell the person about the failure: %s", type(send_error).__name__)
