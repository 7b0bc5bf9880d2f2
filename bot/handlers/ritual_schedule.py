"""A ritual's own schedule, from its page: which days it comes, and pausing it alone.

Every tap is saved at once and recomputes the ritual's next prompt, so nothing is held in
memory between taps and a restart mid-choice loses nothing.
"""

from __future__ import annotations

from telegram import Update

from bot import keyboards
from bot.formatting import describe_schedule
from bot.handlers.common import Reply, reply
from bot.handlers.pause import PAUSE_LENGTHS, pause_end
from bot.handlers.rituals import next_prompt, ritual_page
from bot.handlers.taps import Tap, choice, member_button, ritual_key
from bot.services import AttuneContext
from messages import ritual, ritual_text
from progress.calendar import DAILY, WEEKDAYS, WEEKENDS
from scheduler import changes
from scheduler.planning import is_paused, weekdays_from_text
from store.models import Subscription
from store.subscriptions import find_subscription

PRESETS = {"daily": DAILY, "weekdays": WEEKDAYS, "weekends": WEEKENDS}


def is_weekly(key: str) -> bool:
    """True for rituals offered on one weekday: they come on exactly one chosen day."""
    return len(ritual(key).weekdays) == 1


async def days_button(update: Update, context: AttuneContext) -> None:
    """Show the day choices of a ritual that is on."""

    async def show(tap: Tap) -> Reply | str:
        sub = _active(tap)
        return "toast_ritual_off" if sub is None else days_page(tap, sub)

    await member_button(update, context, show, key=ritual_key(context))


async def day_button(update: Update, context: AttuneContext) -> None:
    """A day: the one day of a weekly ritual, or a day turned on or off for the others."""
    picked = choice(context, 2)

    async def choose(tap: Tap) -> Reply | str:
        sub = _active(tap)
        if sub is None:
            return "toast_ritual_off"
        day = int(picked) if picked.isdigit() else -1
        if day not in DAILY:
            return "toast_button_unknown"
        days = weekdays_from_text(sub.weekdays)
        if is_weekly(tap.key):
            chosen = frozenset({day})
        elif day in days:
            chosen = days - {day}
        else:
            chosen = days | {day}
        if not chosen:
            return "toast_keep_one_day"
        return await _set_days(tap, chosen)

    await member_button(update, context, choose, key=ritual_key(context))


async def preset_button(update: Update, context: AttuneContext) -> None:
    """Every day, weekdays or weekends at once (not offered for weekly rituals)."""
    preset = PRESETS.get(choice(context, 2))

    async def choose(tap: Tap) -> Reply | str:
        sub = _active(tap)
        if sub is None:
            return "toast_ritual_off"
        if preset is None or is_weekly(tap.key):
            return "toast_button_unknown"
        return await _set_days(tap, preset)

    await member_button(update, context, choose, key=ritual_key(context))


async def pause_menu_button(update: Update, context: AttuneContext) -> None:
    """Ask how long to pause this one ritual."""

    async def show(tap: Tap) -> Reply | str:
        if _active(tap) is None:
            return "toast_ritual_off"
        markup = keyboards.ritual_pause_choices(tap.locale, tap.key, PAUSE_LENGTHS)
        name = ritual_text(tap.key, tap.locale).name
        return reply("ritual_pause_ask", tap.locale, markup, name=name)

    await member_button(update, context, show, key=ritual_key(context))


async def pause_button(update: Update, context: AttuneContext) -> None:
    """Pause this one ritual for the chosen length; the others carry on."""
    length = choice(context, 2)

    async def pause(tap: Tap) -> Reply | str:
        sub, until = _active(tap), pause_end(length, tap.now)
        if sub is None:
            return "toast_ritual_off"
        if until is None:
            return "toast_button_unknown"
        await changes.pause_ritual(
            tap.session, user=tap.user, ritual_key=tap.key, until=until, now=tap.now
        )
        return ritual_page(tap.user, tap.key, tap.locale, tap.now)

    await member_button(update, context, pause, key=ritual_key(context))


async def resume_button(update: Update, context: AttuneContext) -> None:
    """Resume this one ritual from now."""

    async def resume(tap: Tap) -> Reply | str:
        sub = _active(tap)
        if sub is None:
            return "toast_ritual_off"
        if not is_paused(sub.paused_until, tap.now):
            return "toast_ritual_not_paused"
        await changes.resume_ritual(tap.session, user=tap.user, ritual_key=tap.key, now=tap.now)
        return ritual_page(tap.user, tap.key, tap.locale, tap.now)

    await member_button(update, context, resume, key=ritual_key(context))


def days_page(tap: Tap, sub: Subscription) -> Reply:
    """The ritual's days as buttons, with its schedule and next prompt."""
    weekly = is_weekly(tap.key)
    markup = keyboards.days(tap.locale, tap.key, weekdays_from_text(sub.weekdays), weekly=weekly)
    return reply(
        "days_pick_one" if weekly else "days_pick_many",
        tap.locale,
        markup,
        name=ritual_text(tap.key, tap.locale).name,
        schedule=describe_schedule(sub.weekdays, sub.local_time, tap.locale),
        next=next_prompt(sub, tap.user, tap.locale, tap.now),
    )


async def _set_days(tap: Tap, days: frozenset[int]) -> Reply:
    await changes.set_days(
        tap.session, user=tap.user, ritual_key=tap.key, weekdays=days, now=tap.now
    )
    sub = _active(tap)
    assert sub is not None
    return days_page(tap, sub)


def _active(tap: Tap) -> Subscription | None:
    """The presser's own subscription to the ritual, if it is on."""
    sub = find_subscription(tap.user, tap.key)
    return sub if sub is not None and sub.active else None
