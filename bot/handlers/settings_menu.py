"""/settings: the person's timezone, pause, weekly summary and practices in one message."""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot import keyboards
from bot.formatting import describe_schedule
from bot.handlers import onboarding
from bot.handlers.common import Reply, answer, local_now, reply
from bot.handlers.discretion import discretion_line
from bot.handlers.pause import pause_state
from bot.handlers.rituals import active_subscriptions, next_prompt
from bot.handlers.summary import summary_line
from bot.handlers.taps import Tap, member_button, member_command
from bot.services import AttuneContext
from messages import render, ritual_text
from messages.formats import clock
from scheduler.planning import is_paused
from store.models import User


async def settings_command(update: Update, context: AttuneContext) -> None:
    """/settings: everything in one place, with buttons to change it."""

    async def show(tap: Tap) -> list[Reply]:
        return [settings_page(tap.user, tap.locale, tap.now)]

    await member_command(update, context, show)


async def back_button(update: Update, context: AttuneContext) -> None:
    """Back to the overview, in place (from the weekly summary's page)."""

    async def show(tap: Tap) -> Reply:
        return settings_page(tap.user, tap.locale, tap.now)

    await member_button(update, context, show)


async def zone_button(update: Update, context: AttuneContext) -> None:
    """The Timezone button: the zone question, as /timezone asks it."""
    query = update.callback_query
    if query is None:
        return
    await answer(query)
    await onboarding.timezone_command(update, context)


def settings_page(user: User, locale: str, now: datetime) -> Reply:
    """Zone and local time, pause state, the weekly summary, and each ritual that is on."""
    paused = is_paused(user.paused_until, now)
    if paused:
        pause = render("settings_paused", locale, state=pause_state(user, locale, now))
    else:
        pause = render("settings_not_paused", locale)
    subs = active_subscriptions(user)
    if subs:
        lines = "\n".join(
            render(
                "settings_line_paused" if is_paused(s.paused_until, now) else "settings_line",
                locale,
                name=ritual_text(s.ritual_key, locale).name,
                schedule=describe_schedule(s.weekdays, s.local_time, locale),
                next=next_prompt(s, user, locale, now),
            )
            for s in subs
        )
        practices = render("settings_practices", locale, lines=lines)
    else:
        practices = render("settings_no_practices", locale)
    return reply(
        "settings",
        locale,
        keyboards.settings(locale, paused=paused),
        zone=user.timezone,
        time=clock(local_now(user, now), locale),
        pause=pause,
        summary=summary_line(user, locale, now),
        discretion=discretion_line(user, locale),
        practices=practices,
    )
