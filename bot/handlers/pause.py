"""/pause and /resume: a break from every prompt, for a while or until the person returns.

A pause is one column (`users.paused_until`); rescheduling moves every ritual's next
prompt past it, so the dispatcher needs no pause logic and nothing is counted meanwhile.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import Update

from bot import keyboards
from bot.formatting import describe_next
from bot.handlers.common import Reply, reply
from bot.handlers.rituals import active_subscriptions, next_prompt
from bot.handlers.taps import Tap, choice, member_button, member_command
from bot.services import AttuneContext
from messages import render, ritual_text
from scheduler import changes
from scheduler.planning import UNTIL_RESUMED, is_paused
from scheduler.zones import resolve_zone
from store.models import User

# The lengths offered, by the name their buttons carry; None is "until I resume".
PAUSE_LENGTHS: dict[str, timedelta | None] = {
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
    "7d": timedelta(days=7),
    "open": None,
}


def pause_end(length: str, now: datetime) -> datetime | None:
    """When a pause of `length` chosen at `now` ends; None for a length never offered."""
    if length not in PAUSE_LENGTHS:
        return None
    delta = PAUSE_LENGTHS[length]
    return UNTIL_RESUMED if delta is None else now + delta


async def pause_command(update: Update, context: AttuneContext) -> None:
    """/pause: the lengths to choose from, and the pause in force if there is one."""

    async def show(tap: Tap) -> list[Reply]:
        return [pause_menu(tap.user, tap.locale, tap.now)]

    await member_command(update, context, show)


async def resume_command(update: Update, context: AttuneContext) -> None:
    """/resume: end the pause and say when each ritual comes next."""

    async def resume(tap: Tap) -> list[Reply]:
        if not is_paused(tap.user.paused_until, tap.now):
            return [reply("resume_not_paused", tap.locale)]
        return [await _resume(tap)]

    await member_command(update, context, resume)


async def pause_menu_button(update: Update, context: AttuneContext) -> None:
    """The Pause button of /settings: the lengths, in place."""

    async def show(tap: Tap) -> Reply:
        return pause_menu(tap.user, tap.locale, tap.now)

    await member_button(update, context, show)


async def pause_button(update: Update, context: AttuneContext) -> None:
    """A pause length: pause every prompt and say when they start again."""
    length = choice(context)

    async def pause(tap: Tap) -> Reply | str:
        until = pause_end(length, tap.now)
        if until is None:
            return "toast_button_unknown"
        await changes.pause(tap.session, user=tap.user, until=until, now=tap.now)
        return reply("pause_set", tap.locale, state=pause_state(tap.user, tap.locale, tap.now))

    await member_button(update, context, pause)


async def resume_button(update: Update, context: AttuneContext) -> None:
    """The Resume button: end the pause, in place."""

    async def resume(tap: Tap) -> Reply | str:
        if not is_paused(tap.user.paused_until, tap.now):
            return "toast_not_paused"
        return await _resume(tap)

    await member_button(update, context, resume)


def pause_menu(user: User, locale: str, now: datetime) -> Reply:
    """The pause lengths; while paused, the pause in force first and a way to resume."""
    paused = is_paused(user.paused_until, now)
    markup = keyboards.pause_choices(locale, PAUSE_LENGTHS, paused=paused)
    if not paused:
        return reply("pause_ask", locale, markup)
    return reply("pause_current", locale, markup, state=pause_state(user, locale, now))


def pause_state(user: User, locale: str, now: datetime) -> str:
    """When prompts start again after the person's pause, in their own time."""
    assert user.paused_until is not None and user.timezone is not None
    if user.paused_until >= UNTIL_RESUMED:
        return render("pause_state_open", locale)
    zone = resolve_zone(user.timezone)
    upcoming = [s.next_due_at for s in active_subscriptions(user) if s.next_due_at is not None]
    if upcoming:
        return render(
            "pause_state_next", locale, next=describe_next(min(upcoming), zone, now, locale)
        )
    # Nothing is on (or every ritual is paused on its own): say when the pause itself ends.
    return render(
        "pause_state_ends", locale, next=describe_next(user.paused_until, zone, now, locale)
    )


async def _resume(tap: Tap) -> Reply:
    """Clear the pause, reschedule from now, and list when each ritual comes next."""
    user, locale, now = tap.user, tap.locale, tap.now
    await changes.resume(tap.session, user=user, now=now)
    subs = active_subscriptions(user)
    if not subs:
        return reply("resume_done_empty", locale)
    lines = "\n".join(
        render(
            "ritual_next_line",
            locale,
            name=ritual_text(s.ritual_key, locale).name,
            next=next_prompt(s, user, locale, now),
        )
        for s in subs
    )
    return reply("resume_done", locale, lines=lines)
