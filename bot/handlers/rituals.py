"""/rituals: browse the catalogue, opt in (default or typed time), change time, opt out.

A ritual's page is rendered here too: the day and pause choices return to it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot import awaiting, keyboards
from bot.formatting import describe_next, describe_schedule
from bot.handlers.common import Reply, reply
from bot.handlers.taps import Tap, member_button, member_command, ritual_key
from bot.services import AttuneContext
from messages import is_ritual, render, ritual, ritual_text
from messages.formats import clock
from scheduler import changes
from scheduler.local_time import format_local_time, parse_local_time
from scheduler.planning import UNTIL_RESUMED, is_paused, weekdays_to_text
from scheduler.zones import resolve_zone
from store.models import Subscription, User
from store.subscriptions import find_subscription


async def rituals_command(update: Update, context: AttuneContext) -> None:
    """/rituals: the catalogue with each ritual's state."""

    async def show(tap: Tap) -> list[Reply]:
        return [ritual_list(tap.user, tap.locale)]

    await member_command(update, context, show)


async def list_button(update: Update, context: AttuneContext) -> None:
    """The list of rituals, from a ritual's page or from /settings."""

    async def show(tap: Tap) -> Reply:
        return ritual_list(tap.user, tap.locale)

    await member_button(update, context, show)


async def view_button(update: Update, context: AttuneContext) -> None:
    """Open one ritual's page."""

    async def show(tap: Tap) -> Reply:
        return ritual_page(tap.user, tap.key, tap.locale, tap.now)

    await member_button(update, context, show, key=ritual_key(context))


async def on_button(update: Update, context: AttuneContext) -> None:
    """Turn a ritual on at its default time (or keep the time it had)."""

    async def turn_on(tap: Tap) -> Reply:
        await _subscribe(tap.session, tap.user, tap.key, None, tap.now)
        return ritual_page(tap.user, tap.key, tap.locale, tap.now)

    await member_button(update, context, turn_on, key=ritual_key(context))


async def off_button(update: Update, context: AttuneContext) -> None:
    """Turn a ritual off; its history stays."""

    async def turn_off(tap: Tap) -> Reply:
        await changes.turn_off(tap.session, user=tap.user, ritual_key=tap.key, now=tap.now)
        return ritual_page(tap.user, tap.key, tap.locale, tap.now)

    await member_button(update, context, turn_off, key=ritual_key(context))


async def ask_time_button(update: Update, context: AttuneContext) -> None:
    """Ask which time suits the person for a ritual; their next message answers."""

    async def ask(tap: Tap) -> Reply:
        tap.user.awaiting = awaiting.ritual_time(tap.key).stored()
        example = clock(ritual(tap.key).default_time, tap.locale)
        name = ritual_text(tap.key, tap.locale).name
        return reply("ritual_ask_time", tap.locale, name=name, example=example)

    # The answer schedules the ritual, which needs the person's zone (member_button's check).
    await member_button(update, context, ask, key=ritual_key(context), in_place=False)


async def time_text(tap: Tap, key: str, text: str) -> list[Reply]:
    """Typed text while a time question is open: the ritual's new time."""
    parsed = parse_local_time(text)
    if parsed is None:
        return [reply("time_invalid", tap.locale)]
    tap.user.awaiting = None
    await _subscribe(tap.session, tap.user, key, format_local_time(parsed), tap.now)
    return [ritual_page(tap.user, key, tap.locale, tap.now)]


def ritual_list(user: User, locale: str) -> Reply:
    """The catalogue as buttons, the chosen ones marked."""
    active = {s.ritual_key: s for s in user.subscriptions if s.active}
    return reply("rituals_list", locale, keyboards.ritual_list(locale, active))


def ritual_page(user: User, key: str, locale: str, now: datetime) -> Reply:
    """One ritual: what it is, whether it is on (or paused), when, and what can be done."""
    text = ritual_text(key, locale)
    default = ritual(key)
    default_time = format_local_time(default.default_time)
    sub = find_subscription(user, key)
    if sub is None or not sub.active:
        schedule = describe_schedule(weekdays_to_text(default.weekdays), default_time, locale)
        state = render("ritual_state_off", locale, schedule=schedule)
        markup = keyboards.ritual_page(locale, key, default_time, is_on=False)
    else:
        paused = is_paused(sub.paused_until, now)
        state = render(
            "ritual_state_paused" if paused else "ritual_state_on",
            locale,
            schedule=describe_schedule(sub.weekdays, sub.local_time, locale),
            next=next_prompt(sub, user, locale, now),
        )
        markup = keyboards.ritual_page(locale, key, default_time, is_on=True, is_paused=paused)
    return reply(
        "ritual_page", locale, markup, name=text.name, description=text.description, state=state
    )


def active_subscriptions(user: User) -> list[Subscription]:
    """The rituals that are on, in catalogue order (retired ones left out)."""
    subs = [s for s in user.subscriptions if s.active and is_ritual(s.ritual_key)]
    return sorted(subs, key=lambda s: ritual(s.ritual_key).order)


def next_prompt(sub: Subscription, user: User, locale: str, now: datetime) -> str:
    """When `sub` prompts next, in the person's time; or what will bring it back."""
    if sub.next_due_at is not None and user.timezone is not None:
        return describe_next(sub.next_due_at, resolve_zone(user.timezone), now, locale)
    if sub.paused_until is not None and sub.paused_until >= UNTIL_RESUMED:
        return render("next_when_resumed_one", locale)
    return render("next_when_resumed", locale)


async def _subscribe(
    session: AsyncSession, user: User, key: str, local_time: str | None, now: datetime
) -> None:
    """Turn `key` on at `local_time` (or the time it had, or its default), on the days it
    had or the ritual's default days."""
    default = ritual(key)
    await changes.turn_on(
        session,
        user=user,
        ritual_key=key,
        now=now,
        local_time=local_time,
        default_time=format_local_time(default.default_time),
        default_weekdays=weekdays_to_text(default.weekdays),
    )
