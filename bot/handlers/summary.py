"""The weekly summary: the onboarding offer, its page in /settings, its day and its time,
and its words when a discreet one is opened.

It is a subscription with a reserved key (scheduler.summary.WEEKLY_SUMMARY), so the
dispatcher sends it at the person's chosen time like any prompt, and a pause holds it back
too. It stays off until the person says yes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot import awaiting, keyboards
from bot.formatting import describe_next, describe_schedule
from bot.handlers.common import Reply, reply
from bot.handlers.taps import Tap, choice, member_button
from bot.services import AttuneContext
from messages import render
from messages.formats import clock, weekday
from progress.calendar import DAILY
from scheduler import changes
from scheduler.local_time import format_local_time, parse_local_time
from scheduler.planning import weekdays_from_text
from scheduler.summary import DEFAULT_TIME, DEFAULT_WEEKDAY, WEEKLY_SUMMARY, summary_text
from scheduler.zones import resolve_zone
from store.models import Prompt, Subscription, User
from store.subscriptions import find_subscription


async def offer_answer(update: Update, context: AttuneContext) -> None:
    """Yes or No to the weekly summary offered at the end of onboarding."""
    answer = choice(context)

    async def decide(tap: Tap) -> Reply:
        if answer == "yes":
            sub = await changes.summary_on(tap.session, user=tap.user, now=tap.now)
            day = weekday(_weekday(sub), tap.locale)
            time = clock(sub.local_time, tap.locale)
            return reply("summary_offer_yes", tap.locale, day=day, time=time)
        await changes.summary_off(tap.session, user=tap.user, now=tap.now)
        return reply("summary_offer_no", tap.locale)

    await member_button(update, context, decide)


async def page_button(update: Update, context: AttuneContext) -> None:
    """The weekly summary's page, from /settings."""

    async def show(tap: Tap) -> Reply:
        return summary_page(tap.user, tap.locale, tap.now)

    await member_button(update, context, show)


async def set_button(update: Update, context: AttuneContext) -> None:
    """Turn the weekly summary on (at its day and time) or off."""
    state = choice(context)

    async def turn(tap: Tap) -> Reply:
        if state == "on":
            await changes.summary_on(tap.session, user=tap.user, now=tap.now)
        else:
            await changes.summary_off(tap.session, user=tap.user, now=tap.now)
        return summary_page(tap.user, tap.locale, tap.now)

    await member_button(update, context, turn)


async def days_button(update: Update, context: AttuneContext) -> None:
    """The seven days to choose the summary's day from."""

    async def show(tap: Tap) -> Reply | str:
        sub = _active(tap.user)
        return "toast_summary_off" if sub is None else _days_page(tap, sub)

    await member_button(update, context, show)


async def day_button(update: Update, context: AttuneContext) -> None:
    """A day for the weekly summary: saved at once."""
    picked = choice(context)

    async def choose(tap: Tap) -> Reply | str:
        sub = _active(tap.user)
        if sub is None:
            return "toast_summary_off"
        day = int(picked) if picked.isdigit() else -1
        if day not in DAILY:
            return "toast_button_unknown"
        await changes.summary_day(tap.session, user=tap.user, day=day, now=tap.now)
        return _days_page(tap, sub)

    await member_button(update, context, choose)


async def ask_time_button(update: Update, context: AttuneContext) -> None:
    """Ask which time suits the person for the summary; their next message answers."""

    async def ask(tap: Tap) -> Reply | str:
        if _active(tap.user) is None:
            return "toast_summary_off"
        tap.user.awaiting = awaiting.SUMMARY_TIME.stored()
        return reply("summary_ask_time", tap.locale)

    await member_button(update, context, ask, in_place=False)


async def time_text(tap: Tap, text: str) -> list[Reply]:
    """Typed text while the summary's time question is open: its new time."""
    parsed = parse_local_time(text)
    if parsed is None:
        return [reply("time_invalid", tap.locale)]
    tap.user.awaiting = None
    local_time = format_local_time(parsed)
    await changes.summary_on(tap.session, user=tap.user, now=tap.now, local_time=local_time)
    return [summary_page(tap.user, tap.locale, tap.now)]


async def opened_summary(session: AsyncSession, prompt: Prompt) -> Reply:
    """A discreet summary's words, read again for the week it was sent for."""
    user = prompt.subscription.user
    text = await summary_text(
        session,
        user_id=user.id,
        locale=user.locale,
        timezone=user.timezone,
        due_at=prompt.due_at,
        now=prompt.sent_at or prompt.due_at,
    )
    return Reply(text)


def summary_subscription(user: User) -> Subscription | None:
    """The person's weekly summary row, on or off, if they ever answered the offer."""
    return find_subscription(user, WEEKLY_SUMMARY)


def summary_line(user: User, locale: str, now: datetime) -> str:
    """One line for /settings: when the summary comes, or that it is off."""
    sub = _active(user)
    if sub is None:
        return render("settings_summary_off", locale)
    return render(
        "settings_summary_on",
        locale,
        schedule=_schedule(sub, locale),
        next=_next(sub, user, locale, now),
    )


def summary_page(user: User, locale: str, now: datetime) -> Reply:
    """What the summary is, whether it is on, when it comes, and what can be changed."""
    sub = _active(user)
    markup = keyboards.summary_page(locale, is_on=sub is not None)
    if sub is None:
        row = summary_subscription(user)
        day = _weekday(row) if row else DEFAULT_WEEKDAY
        time = row.local_time if row else DEFAULT_TIME
        schedule = describe_schedule(str(day), time, locale)
        return reply("summary_page_off", locale, markup, schedule=schedule)
    return reply(
        "summary_page_on",
        locale,
        markup,
        schedule=_schedule(sub, locale),
        next=_next(sub, user, locale, now),
    )


def _days_page(tap: Tap, sub: Subscription) -> Reply:
    return reply(
        "summary_days",
        tap.locale,
        keyboards.summary_days(tap.locale, _weekday(sub)),
        schedule=_schedule(sub, tap.locale),
        next=_next(sub, tap.user, tap.locale, tap.now),
    )


def _active(user: User) -> Subscription | None:
    sub = summary_subscription(user)
    return sub if sub is not None and sub.active else None


def _weekday(sub: Subscription) -> int:
    # One day, always: the summary looks back over one week.
    return min(weekdays_from_text(sub.weekdays))


def _schedule(sub: Subscription, locale: str) -> str:
    return describe_schedule(sub.weekdays, sub.local_time, locale)


def _next(sub: Subscription, user: User, locale: str, now: datetime) -> str:
    if sub.next_due_at is None or user.timezone is None:
        return render("next_when_resumed", locale)  # paused until /resume
    return describe_next(sub.next_due_at, resolve_zone(user.timezone), now, locale)
