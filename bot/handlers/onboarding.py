"""Onboarding: welcome, 18+ and consent, the person's timezone, and a weekly summary offer."""

from __future__ import annotations

from datetime import datetime

from telegram import ReplyKeyboardRemove, Update

from bot import awaiting, keyboards
from bot.formatting import describe_next
from bot.handlers import sharing
from bot.handlers.common import (
    Reply,
    answer,
    consent_question,
    edit,
    edit_markup,
    is_member,
    local_now,
    needs_new_consent,
    reply,
    send,
)
from bot.handlers.taps import Tap, not_yet, person_locale, visit, zone_question
from bot.services import AttuneContext
from messages import is_ritual, render, ritual_text
from messages.formats import clock, weekday
from scheduler import changes
from scheduler.summary import DEFAULT_TIME, DEFAULT_WEEKDAY
from scheduler.zones import parse_zone, resolve_zone, zone_from_location
from store.models import User
from store.users import add_user, forget_user


async def start(update: Update, context: AttuneContext) -> None:
    """/start: welcome a newcomer, pick up where onboarding stopped, or welcome back."""
    tg_user, chat = update.effective_user, update.effective_chat
    if tg_user is None or chat is None:
        return
    # A deep link's parameter: an invitation (t.me/<bot>?start=<token>).
    token = context.args[0] if context.args else None
    async with visit(update, context) as v:
        user = v.user or await add_user(
            v.session, telegram_id=tg_user.id, chat_id=chat.id, locale=v.locale, now=v.now
        )
        locale = user.locale
        invited = [] if token is None else await sharing.opened_link(v, user, token)
        if invited and is_member(user) and user.blocked_at is None:
            replies = invited
        elif needs_new_consent(user):
            replies = [consent_question(locale, again=True)]
        elif not is_member(user):
            replies = [reply("welcome", locale, keyboards.adult(locale))]
        elif user.blocked_at is not None:
            # They blocked the bot and came back: everything they chose is still there.
            await changes.unblocked(v.session, user=user, now=v.now)
            replies = [reply("welcome_back", locale)]
        elif user.timezone is None:
            user.awaiting = awaiting.TIMEZONE.stored()
            replies = zone_question(locale)
        else:
            replies = [reply("start_again", locale)]
        if invited and replies is not invited:
            replies = [*invited, *replies]
    await send(update, replies)


async def adult_answer(update: Update, context: AttuneContext) -> None:
    """The 18+ buttons: go on to consent, or say goodbye kindly and forget."""
    query = update.callback_query
    if query is None or context.match is None:
        return
    async with visit(update, context) as v:
        user, locale = v.user, v.locale
        if user is None:
            outcome: Reply | str = "toast_start_first"
        elif is_member(user):
            outcome = "toast_step_done"
        elif context.match.group(1) == "no":
            await forget_user(v.session, user=user)
            outcome = reply("under_18", locale)
        else:
            user.adult_confirmed_at = v.now
            outcome = consent_question(locale)
    await _finish(update, outcome, locale)


async def consent_answer(update: Update, context: AttuneContext) -> None:
    """The consent buttons: start storing, or forget everything asked so far."""
    query = update.callback_query
    if query is None or context.match is None:
        return
    followups: list[Reply] = []
    async with visit(update, context) as v:
        user, locale, session, now = v.user, v.locale, v.session, v.now
        if user is None or user.adult_confirmed_at is None:
            outcome: Reply | str = "toast_start_first"
        elif is_member(user):
            outcome = "toast_step_done"
        elif context.match.group(1) == "no" and needs_new_consent(user):
            # Their earlier data stays theirs to export or erase; nothing new is stored
            # and no prompt is sent until they agree.
            await changes.consent_declined(session, user=user, now=now)
            outcome = reply("consent_update_declined", locale)
        elif context.match.group(1) == "no":
            await forget_user(session, user=user)
            outcome = reply("consent_declined", locale)
        elif needs_new_consent(user):
            await changes.consent_renewed(session, user=user, now=now)
            outcome = reply("consent_thanks_again", locale)
        else:
            await changes.consent_given(session, user=user, now=now)
            outcome = reply("consent_thanks", locale)
            # Someone who came by an invitation sees it first; they need not practise.
            invited = await sharing.after_consent(v, user)
            if invited is None:
                user.awaiting = awaiting.TIMEZONE.stored()
                followups = zone_question(locale)
            else:
                followups = invited
    await _finish(update, outcome, locale)
    await send(update, followups)


async def timezone_command(update: Update, context: AttuneContext) -> None:
    """/timezone: ask for the person's zone again."""
    if update.effective_user is None:
        return
    async with visit(update, context) as v:
        tap = v.tap()
        if tap is None:
            replies = not_yet(v)
        else:
            tap.user.awaiting = awaiting.TIMEZONE.stored()
            replies = zone_question(v.locale)
    await send(update, replies)


async def zone_button(update: Update, context: AttuneContext) -> None:
    """A quick timezone button."""
    query = update.callback_query
    if query is None or context.match is None:
        return
    zone = parse_zone(context.match.group(1))
    await answer(query)
    if zone is None:
        await send(update, [reply("timezone_unknown", await person_locale(update, context))])
        return
    await _set_zone_of(update, context, zone)
    await edit_markup(query, None)


async def location(update: Update, context: AttuneContext) -> None:
    """A shared location: its timezone, resolved offline; the location itself is not kept."""
    message = update.effective_message
    if message is None or message.location is None:
        return
    zone = zone_from_location(message.location.latitude, message.location.longitude)
    if zone is None:
        locale = await person_locale(update, context)
        await send(update, [reply("timezone_location_unknown", locale)])
        return
    await _set_zone_of(update, context, zone)


async def zone_text(tap: Tap, text: str) -> list[Reply]:
    """Typed text while the zone question is open: an IANA name or a UTC offset."""
    zone = parse_zone(text)
    if zone is None:
        return [reply("timezone_unknown", tap.locale)]
    return await set_zone(tap, zone)


async def _set_zone_of(update: Update, context: AttuneContext, zone: str) -> None:
    if update.effective_user is None:
        return
    async with visit(update, context) as v:
        tap = v.tap()
        replies = not_yet(v) if tap is None else await set_zone(tap, zone)
    await send(update, replies)


async def set_zone(tap: Tap, zone: str) -> list[Reply]:
    """Set the person's zone; the last step of onboarding the first time."""
    user = tap.user
    first_time = user.timezone is None
    await changes.set_timezone(tap.session, user=user, zone=zone, now=tap.now)
    user.awaiting = None
    replies = _zone_set(user, tap.locale, tap.now)
    if first_time:
        # The last step of onboarding: a weekly summary, off unless they say yes.
        replies.append(summary_offer(tap.locale))
    return replies


def summary_offer(locale: str) -> Reply:
    """Offer a weekly summary at its usual day and time; nothing changes until they answer."""
    return reply(
        "summary_offer",
        locale,
        keyboards.summary_offer(locale),
        day=weekday(DEFAULT_WEEKDAY, locale),
        time=clock(DEFAULT_TIME, locale),
    )


def _zone_set(user: User, locale: str, now: datetime) -> list[Reply]:
    assert user.timezone is not None
    local = clock(local_now(user, now), locale)
    confirm = reply("timezone_set", locale, ReplyKeyboardRemove(), zone=user.timezone, time=local)
    active = [
        s
        for s in user.subscriptions
        if s.active and s.next_due_at is not None and is_ritual(s.ritual_key)
    ]
    if not active:
        return [confirm, reply("first_ritual_offer", locale, keyboards.first_ritual(locale))]
    zone = resolve_zone(user.timezone)
    lines = "\n".join(
        render(
            "ritual_next_line",
            locale,
            name=ritual_text(s.ritual_key, locale).name,
            next=describe_next(s.next_due_at, zone, now, locale),
        )
        for s in active
        if s.next_due_at is not None
    )
    return [confirm, reply("timezone_next_prompts", locale, lines=lines)]


async def _finish(update: Update, outcome: Reply | str, locale: str) -> None:
    """Answer a pressed button: a toast key, or an edit of the pressed message."""
    query = update.callback_query
    if query is None:
        return
    if isinstance(outcome, str):
        await answer(query, reply(outcome, locale).text)
        return
    await answer(query)
    await edit(query, outcome)
