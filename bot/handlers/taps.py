"""The checks every command and button of an onboarded person needs, written once.

A command or button acts only for a person who has confirmed 18+, consented and set a
timezone, and only on their own rows: callback data names a ritual or a choice, never a
row, so a forged or stale button can only ever reach the presser's own subscription.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, Update

from bot import awaiting
from bot.handlers.common import Reply, answer, edit, is_member, locale_of, reply, send
from bot.handlers.onboarding import zone_question
from bot.services import AttuneContext
from messages import is_ritual
from store.models import User
from store.users import get_user


@dataclass(frozen=True, slots=True)
class Tap:
    """One command or button press by an onboarded person: what its action works on."""

    session: AsyncSession
    user: User
    key: str  # the ritual the button names; "" for those that name none
    locale: str
    now: datetime


# A button's action gives the pressed message's new text, or a toast key when nothing
# changed. It must change nothing before deciding on a toast.
ButtonAction = Callable[[Tap], Awaitable[Reply | str]]
CommandAction = Callable[[Tap], Awaitable[list[Reply]]]


def ritual_key(context: AttuneContext) -> str | None:
    """The ritual a button names, if it is one in the catalogue."""
    if context.match is None:
        return None
    key = context.match.group(1)
    return key if is_ritual(key) else None


def choice(context: AttuneContext, group: int = 1) -> str:
    """A choice a button names (a day, a preset, a pause length), unchecked."""
    return context.match.group(group) if context.match is not None else ""


async def member_command(update: Update, context: AttuneContext, action: CommandAction) -> None:
    """Run a command for an onboarded person; ask for /start or the timezone otherwise."""
    tg_user = update.effective_user
    if tg_user is None:
        return
    now = context.services.clock()
    async with context.services.session() as session, session.begin():
        user = await get_user(session, telegram_id=tg_user.id)
        locale = locale_of(update, user)
        if user is None or not is_member(user):
            replies = [reply("need_start", locale)]
        elif user.timezone is None:
            user.awaiting = awaiting.TIMEZONE.stored()
            replies = [reply("timezone_first", locale), *zone_question(locale)]
        else:
            replies = await action(Tap(session, user, "", locale, now))
    await send(update, replies)


async def member_button(
    update: Update, context: AttuneContext, action: ButtonAction, *, key: str | None = ""
) -> None:
    """Run a button's action for the person who pressed it and show the result in place.

    `key` is the ritual the button names ("" for none, None for one not in the catalogue).
    """
    query = update.callback_query
    if query is None:
        return
    now = context.services.clock()
    async with context.services.session() as session, session.begin():
        user = await get_user(session, telegram_id=query.from_user.id)
        locale = locale_of(update, user)
        if user is None or not is_member(user) or user.timezone is None:
            outcome: Reply | str = "toast_start_first"
        elif not _in_own_chat(query, user):
            outcome = "toast_not_yours"
        elif key is None:
            outcome = "toast_button_unknown"
        else:
            outcome = await action(Tap(session, user, key, locale, now))
    if isinstance(outcome, str):
        await answer(query, reply(outcome, locale).text)
        return
    await answer(query)
    await edit(query, outcome)


def _in_own_chat(query: CallbackQuery, user: User) -> bool:
    # Editing a message in someone else's chat would show them the presser's practices.
    message = query.message
    return message is None or message.chat.id == user.chat_id
