"""The one entry of every update: its session and the person, loaded once, and the checks
every command and button of an onboarded person needs, written once.

`visit` opens the update's one session (a transaction) and loads who sent it; a handler
works inside it and sends its replies after it commits. Handlers never open a session or
load the person themselves (tests/unit/test_one_entry.py reads the source to keep it so).
Someone who has not consented gets a Visit too, so the first steps and the crisis buttons
can answer them, and nothing about them is stored unless a handler stores it.

A command or button acts only for a person who has confirmed 18+, consented and set a
timezone, and only on their own rows: callback data names a ritual or a choice, never a
row, so a forged or stale button can only ever reach the presser's own subscription.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, Update

from bot import awaiting, keyboards
from bot.handlers.common import (
    Reply,
    answer,
    consent_question,
    edit,
    is_member,
    locale_of,
    needs_new_consent,
    reply,
    send,
)
from bot.services import AttuneContext
from messages import is_ritual
from store.models import User
from store.users import get_user


@dataclass(frozen=True, slots=True)
class Visit:
    """One update from anyone: its session, and who sent it (None before /start)."""

    session: AsyncSession
    user: User | None
    locale: str
    now: datetime

    def tap(self, key: str = "") -> Tap | None:
        """The same update as a consenting person's, or None for anyone else."""
        if self.user is None or not is_member(self.user):
            return None
        return Tap(self.session, self.user, key, self.locale, self.now)


@dataclass(frozen=True, slots=True)
class Tap:
    """One update by a person who consented: what its action works on.

    member_command and member_button also make sure the person's timezone is set.
    """

    session: AsyncSession
    user: User
    key: str  # the ritual the button names; "" for those that name none
    locale: str
    now: datetime


# A button's action gives the pressed message's new text, or a toast key when nothing
# changed. It must change nothing before deciding on a toast.
ButtonAction = Callable[[Tap], Awaitable[Reply | str]]
CommandAction = Callable[[Tap], Awaitable[list[Reply]]]


@asynccontextmanager
async def visit(update: Update, context: AttuneContext) -> AsyncIterator[Visit]:
    """The update's one session, in a transaction, and the person who sent it, loaded once.

    Objects stay usable after the block (the session does not expire them on commit), so
    replies are sent after it, holding no database lock while waiting on Telegram.
    """
    tg_user = update.effective_user
    now = context.services.clock()
    async with context.services.session() as session, session.begin():
        user = None if tg_user is None else await get_user(session, telegram_id=tg_user.id)
        yield Visit(session, user, locale_of(update, user), now)


async def person_locale(update: Update, context: AttuneContext) -> str:
    """The language to answer in when nothing else of the person is needed: the one they
    chose (read through this one entry), else Telegram's."""
    async with visit(update, context) as v:
        return v.locale


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
    if update.effective_user is None:
        return
    async with visit(update, context) as v:
        tap = v.tap()
        if tap is None:
            replies = not_yet(v)
        elif tap.user.timezone is None:
            tap.user.awaiting = awaiting.TIMEZONE.stored()
            replies = [reply("timezone_first", v.locale), *zone_question(v.locale)]
        else:
            replies = await action(tap)
    await send(update, replies)


async def member_button(
    update: Update,
    context: AttuneContext,
    action: ButtonAction,
    *,
    key: str | None = "",
    in_place: bool = True,
    any_zone: bool = False,
) -> None:
    """Run a button's action for the person who pressed it and show the result in place
    (or, not `in_place`, in a new message below).

    `key` is the ritual the button names ("" for none, None for one not in the catalogue).
    `any_zone`: the action needs no timezone (sharing: a confidant need not practise).
    """
    query = update.callback_query
    if query is None:
        return
    async with visit(update, context) as v:
        tap = v.tap(key or "")
        if tap is None or (tap.user.timezone is None and not any_zone):
            outcome: Reply | str = "toast_start_first"
        elif not in_own_chat(query, tap.user):
            outcome = "toast_not_yours"
        elif key is None:
            outcome = "toast_button_unknown"
        else:
            outcome = await action(tap)
    if isinstance(outcome, str):
        await answer(query, reply(outcome, v.locale).text)
        return
    await answer(query)
    if in_place:
        await edit(query, outcome)
    else:
        await send(update, [outcome])


def not_yet(v: Visit) -> list[Reply]:
    """The answer to someone who may not act yet: a person who agreed to an older consent
    text is asked about the new one straight away; anyone else is pointed to /start."""
    if needs_new_consent(v.user):
        return [consent_question(v.locale, again=True)]
    return [reply("need_start", v.locale)]


def zone_question(locale: str) -> list[Reply]:
    """Ask for the timezone: quick buttons, typing, or the location button."""
    return [
        reply("timezone_ask", locale, keyboards.zones(locale)),
        reply("timezone_location_tip", locale, keyboards.share_location(locale)),
    ]


def in_own_chat(query: CallbackQuery, user: User) -> bool:
    """True when the pressed message is in the presser's own chat with the bot."""
    # Editing a message in someone else's chat would show them the presser's practices.
    message = query.message
    return message is None or message.chat.id == user.chat_id
