"""/rituals: browse the catalogue, opt in (default or typed time), change time, opt out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from telegram import Update

from bot import keyboards
from bot.formatting import describe_next, describe_schedule
from bot.handlers.common import Reply, edit, is_member, locale_of, reply, send
from bot.handlers.onboarding import AWAITING_ZONE, zone_question
from bot.services import AttuneContext
from messages import is_ritual, ritual, ritual_text
from scheduler.local_time import format_local_time, parse_local_time
from scheduler.planning import due_after, weekdays_to_text
from scheduler.zones import resolve_zone
from store.models import User
from store.subscriptions import find_subscription, start_subscription, stop_subscription
from store.users import get_user

AWAITING_TIME = "time:"


async def rituals_command(update: Update, context: AttuneContext) -> None:
    """/rituals: the catalogue with each ritual's state."""
    tg_user = update.effective_user
    if tg_user is None:
        return
    async with context.services.session() as session, session.begin():
        user = await get_user(session, telegram_id=tg_user.id)
        locale = locale_of(update, user)
        if user is None or not is_member(user):
            replies = [reply("need_start", locale)]
        elif user.timezone is None:
            user.awaiting = AWAITING_ZONE
            replies = [reply("timezone_first", locale), *zone_question(locale)]
        else:
            replies = [ritual_list(user, locale)]
    await send(update, replies)


async def list_button(update: Update, context: AttuneContext) -> None:
    """Back to the list from a ritual's page."""
    await _on_button(
        update, context, "", lambda user, _key, locale, _now: ritual_list(user, locale)
    )


async def view_button(update: Update, context: AttuneContext) -> None:
    """Open one ritual's page."""
    await _on_button(update, context, _key(context), _page)


async def on_button(update: Update, context: AttuneContext) -> None:
    """Turn a ritual on at its default time (or keep the time it had)."""

    def turn_on(user: User, key: str, locale: str, now: datetime) -> Reply:
        sub = find_subscription(user, key)
        local_time = sub.local_time if sub else format_local_time(ritual(key).default_time)
        _subscribe(user, key, local_time, now)
        return _page(user, key, locale, now)

    await _on_button(update, context, _key(context), turn_on)


async def off_button(update: Update, context: AttuneContext) -> None:
    """Turn a ritual off; its history stays."""

    def turn_off(user: User, key: str, locale: str, now: datetime) -> Reply:
        sub = find_subscription(user, key)
        if sub is not None:
            stop_subscription(sub)
        return _page(user, key, locale, now)

    await _on_button(update, context, _key(context), turn_off)


async def ask_time_button(update: Update, context: AttuneContext) -> None:
    """Ask which time suits the person for a ritual; their next message answers."""
    query = update.callback_query
    key = _key(context)
    if query is None:
        return
    async with context.services.session() as session, session.begin():
        user = await get_user(session, telegram_id=query.from_user.id)
        locale = locale_of(update, user)
        if user is None or not is_member(user) or key is None:
            await query.answer(reply("toast_start_first", locale).text)
            return
        user.awaiting = AWAITING_TIME + key
        example = format_local_time(ritual(key).default_time)
        question = reply(
            "ritual_ask_time", locale, name=ritual_text(key, locale).name, example=example
        )
    await query.answer()
    await send(update, [question])


async def time_text(update: Update, context: AttuneContext, key: str, text: str) -> None:
    """Typed text while a time question is open: the ritual's new time."""
    tg_user = update.effective_user
    if tg_user is None:
        return
    parsed = parse_local_time(text)
    async with context.services.session() as session, session.begin():
        user = await get_user(session, telegram_id=tg_user.id)
        locale = locale_of(update, user)
        if user is None or not is_member(user) or not is_ritual(key):
            replies = [reply("need_start", locale)]
        elif parsed is None:
            replies = [reply("time_invalid", locale)]
        else:
            now = context.services.clock()
            user.awaiting = None
            _subscribe(user, key, format_local_time(parsed), now)
            replies = [_page(user, key, locale, now)]
    await send(update, replies)


def ritual_list(user: User, locale: str) -> Reply:
    """The catalogue as buttons, the chosen ones marked."""
    active = {s.ritual_key: s for s in user.subscriptions if s.active}
    return reply("rituals_list", locale, keyboards.ritual_list(locale, active))


def _page(user: User, key: str, locale: str, now: datetime) -> Reply:
    text = ritual_text(key, locale)
    default = ritual(key)
    sub = find_subscription(user, key)
    if sub is not None and sub.active and sub.next_due_at is not None and user.timezone:
        state = reply(
            "ritual_state_on",
            locale,
            schedule=describe_schedule(sub.weekdays, sub.local_time, locale),
            next=describe_next(sub.next_due_at, resolve_zone(user.timezone), now, locale),
        ).text
        is_on = True
    else:
        schedule = describe_schedule(
            weekdays_to_text(default.weekdays), format_local_time(default.default_time), locale
        )
        state = reply("ritual_state_off", locale, schedule=schedule).text
        is_on = False
    markup = keyboards.ritual_page(locale, key, format_local_time(default.default_time), is_on)
    return reply(
        "ritual_page", locale, markup, name=text.name, description=text.description, state=state
    )


def _subscribe(user: User, key: str, local_time: str, now: datetime) -> None:
    """Turn `key` on at `local_time`, on the days it had or the ritual's default days."""
    assert user.timezone is not None
    sub = find_subscription(user, key)
    weekdays = sub.weekdays if sub else weekdays_to_text(ritual(key).weekdays)
    sub = start_subscription(
        user, ritual_key=key, local_time=local_time, weekdays=weekdays, now=now
    )
    sub.next_due_at = due_after(sub, user.timezone, now)


def _key(context: AttuneContext) -> str | None:
    """The ritual a button names, if it is one in the catalogue."""
    if context.match is None:
        return None
    key = context.match.group(1)
    return key if is_ritual(key) else None


async def _on_button(
    update: Update,
    context: AttuneContext,
    key: str | None,
    action: Callable[[User, str, str, datetime], Reply],
) -> None:
    """Run a ritual button's action for its owner and show the result in place."""
    query = update.callback_query
    if query is None:
        return
    now = context.services.clock()
    async with context.services.session() as session, session.begin():
        user = await get_user(session, telegram_id=query.from_user.id)
        locale = locale_of(update, user)
        if user is None or not is_member(user) or user.timezone is None:
            toast = "toast_start_first"
        elif key is None:
            toast = "toast_button_unknown"
        else:
            toast = ""
            result = action(user, key, locale, now)
    if toast:
        await query.answer(reply(toast, locale).text)
        return
    await query.answer()
    await edit(query, result)
