"""Small pieces every handler shares: who is talking, and replying to them."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.warnings import PTBUserWarning

from bot import keyboards
from bot.rate_limit import ChatRateLimiter
from bot.webhook_reply import carry_answer
from messages import DEFAULT_LOCALE, render, resolve_locale
from messages.consent import CONSENT_VERSION, consent_values
from scheduler.zones import resolve_zone
from store.models import User

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def quiet_raw_calls() -> None:
    """Quiet PTB's warning that a method exists whenever `do_api_request` makes a call it
    has a method for: Attune does so on purpose where CPU counts (bot.sender's prompts, a
    tap's answer and edit below), and only that warning is quieted. Installed on import and
    again by the sender, as test harnesses reset warning filters in between."""
    warnings.filterwarnings(
        "ignore",
        message=r"Please use 'Bot\.\w+' instead of 'Bot\.do_api_request",
        category=PTBUserWarning,
    )


quiet_raw_calls()


def locale_of(update: Update, user: User | None = None) -> str:
    """The person's language: the one stored (Telegram's at /start, or their /language
    choice), else the locale Telegram's language_code resolves to ("de-AT" is German,
    "fr" English until there is French), else English.

    Without ``user``, only Telegram's: what answers before the database is reached (a
    group, a flood, a failure, reading for danger) speaks the app's language.
    """
    if user is not None:
        return user.locale
    tg_user = update.effective_user
    code = tg_user.language_code if tg_user is not None else None
    return resolve_locale(code or DEFAULT_LOCALE)


def is_private(update: Update) -> bool:
    """True for updates from a one-to-one chat with the bot."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def is_member(user: User | None) -> bool:
    """True once the person confirmed 18+ and agreed to the consent text now in force.

    Only then is anything new stored; someone who agreed to an older text is asked again.
    """
    return (
        user is not None
        and user.consented_at is not None
        and user.consent_version >= CONSENT_VERSION
    )


def needs_new_consent(user: User | None) -> bool:
    """True for someone who agreed to an older consent text."""
    return user is not None and user.consented_at is not None and not is_member(user)


def local_now(user: User, now: datetime) -> datetime:
    """The person's wall clock now (their zone must be set)."""
    assert user.timezone is not None
    return now.astimezone(resolve_zone(user.timezone))


@dataclass(frozen=True, slots=True)
class Reply:
    """A message to send once the database work is committed."""

    text: str
    markup: Markup | None = None


def reply(key: str, locale: str, markup: Markup | None = None, **values: object) -> Reply:
    """A rendered Reply."""
    return Reply(render(key, locale, **values), markup)


def consent_question(locale: str, *, again: bool = False) -> Reply:
    """May Attune keep what the person tells it: asked once at the start, and `again`
    of someone who agreed to an older consent text (in a chat, or by the dispatcher)."""
    key = "consent_changed" if again else "consent_ask"
    return reply(key, locale, keyboards.consent(locale), **consent_values(locale))


async def send(update: Update, replies: Iterable[Reply]) -> None:
    """Send replies in order to the chat the update came from.

    Sending happens after the transaction commits, so no database lock is held while
    waiting on Telegram.
    """
    chat = update.effective_chat
    if chat is None:
        return
    for item in replies:
        await chat.send_message(item.text, reply_markup=item.markup)


async def edit(query: CallbackQuery, item: Reply) -> None:
    """Replace the pressed message's text and buttons; an identical edit is not an error.

    A message deleted meanwhile (by /delete, or on another device) can still have its
    button pressed: what the press changed is then told in a new message instead.
    """
    markup = item.markup if isinstance(item.markup, InlineKeyboardMarkup) else None
    try:
        await _call(query, "editMessageText", _pressed(query, text=item.text, markup=markup))
    except BadRequest as error:
        if "not modified" in error.message:
            return
        if not _gone(error) or query.message is None:
            raise
        await query.message.chat.send_message(item.text, reply_markup=markup)


# The longest a button may keep spinning for an answer carried in the webhook's 200.
_CARRY_WAIT = 1.0


async def answer(
    query: CallbackQuery, text: str | None = None, *, show_alert: bool = False
) -> None:
    """Answer a button press; a query too old to answer (redelivered, or late) is no error.

    The press was handled either way; failing here would undo nothing and only hide the
    reply that follows. In webhook mode the first answer to the update's own press rides in
    the webhook's answer instead of a request (bot.webhook_reply), unless messages wait.
    """
    # A carried answer leaves with the webhook's 200, after the update's replies: while
    # messages queue for their turn, the button would spin behind them. It goes now instead.
    limiter = getattr(query.get_bot(), "rate_limiter", None)  # an ExtBot's
    queued = isinstance(limiter, ChatRateLimiter) and limiter.sends_wait(_CARRY_WAIT)
    if not queued and carry_answer(query.id, text, show_alert=show_alert):
        return
    call: dict[str, Any] = {"callback_query_id": query.id}
    if text is not None:
        call["text"] = text
    if show_alert:
        call["show_alert"] = True
    try:
        await _call(query, "answerCallbackQuery", call)
    except BadRequest as error:
        if "query is too old" not in error.message.lower() and "query id is invalid" not in (
            error.message.lower()
        ):
            raise


async def edit_markup(query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    """Replace only the pressed message's buttons; an identical edit is not an error, and
    neither is a message deleted meanwhile (its buttons went with it)."""
    try:
        await _call(query, "editMessageReplyMarkup", _pressed(query, markup=markup))
    except BadRequest as error:
        if "not modified" not in error.message and not _gone(error):
            raise


def _pressed(
    query: CallbackQuery, *, markup: InlineKeyboardMarkup | None, text: str | None = None
) -> dict[str, Any]:
    """An edit of the pressed message: where it is, its new text (if any) and buttons."""
    message = query.message
    call: dict[str, Any] = (
        {"inline_message_id": query.inline_message_id}
        if message is None
        else {"chat_id": message.chat.id, "message_id": message.message_id}
    )
    if text is not None:
        call["text"] = text
    if markup is not None:
        call["reply_markup"] = keyboard_json(markup)
    return call


def keyboard_json(markup: InlineKeyboardMarkup) -> str:
    """An inline keyboard as Telegram reads it, for a fraction of PTB's `to_json` CPU.

    Every button Attune makes is a label and its callback data (bot.keyboards), and that is
    all this writes; tests/bot/test_keyboard_json.py holds it to PTB's own encoding.
    """
    rows = [
        [{"text": button.text, "callback_data": button.callback_data} for button in row]
        for row in markup.inline_keyboard
    ]
    return json.dumps({"inline_keyboard": rows})


async def _call(query: CallbackQuery, method: str, params: dict[str, Any]) -> None:
    """One Bot API call about a button press, its answer unread.

    A tap's answer and edit go without PTB's objects: building the call and parsing the
    edited message Telegram sends back cost more CPU than the rest of a rating tap's
    Python (benchmarks/bench_tap.py). The call still passes the bot's rate limiter and
    PTB's mapping of Telegram's answers to errors (BadRequest and the rest).
    """
    await query.get_bot().do_api_request(method, api_kwargs=params)


def _gone(error: BadRequest) -> bool:
    """Telegram's answer when the message to edit was deleted meanwhile."""
    return "message to edit not found" in error.message.lower()
