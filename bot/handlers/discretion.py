"""Discretion settings: discreet prompts, quiet notifications, and how long notes are kept."""

from __future__ import annotations

from telegram import Update

from bot import keyboards
from bot.handlers.common import Reply, reply
from bot.handlers.taps import Tap, choice, member_button
from bot.services import AttuneContext
from messages import render
from store.models import User

# Note retention offered, by the value its button carries; 0 keeps notes until deleted.
RETENTION_DAYS = {"0": None, "90": 90, "30": 30}


def discretion_line(user: User, locale: str) -> str:
    """One line for /settings: discreet, quiet, and how long notes are kept."""
    return render(
        "discretion_line",
        locale,
        discreet=render("on" if user.discreet else "off", locale),
        quiet=render("on" if user.quiet else "off", locale),
        notes=_retention(user, locale),
    )


def discretion_page(user: User, locale: str) -> Reply:
    """The page with the three choices and what each one means."""
    return reply(
        "discretion_page",
        locale,
        keyboards.discretion(
            locale, discreet=user.discreet, quiet=user.quiet, keep=user.note_retention_days
        ),
        line=discretion_line(user, locale),
    )


async def page_button(update: Update, context: AttuneContext) -> None:
    """Open the discretion page from /settings."""

    async def show(tap: Tap) -> Reply:
        return discretion_page(tap.user, tap.locale)

    await member_button(update, context, show)


async def discreet_button(update: Update, context: AttuneContext) -> None:
    """Turn discreet prompts on or off."""
    value = choice(context)

    async def set_discreet(tap: Tap) -> Reply:
        tap.user.discreet = value == "on"
        return discretion_page(tap.user, tap.locale)

    await member_button(update, context, set_discreet)


async def quiet_button(update: Update, context: AttuneContext) -> None:
    """Turn quiet notifications on or off."""
    value = choice(context)

    async def set_quiet(tap: Tap) -> Reply:
        tap.user.quiet = value == "on"
        return discretion_page(tap.user, tap.locale)

    await member_button(update, context, set_quiet)


async def keep_button(update: Update, context: AttuneContext) -> None:
    """Choose how long notes are kept; the hourly housekeeping erases older ones."""
    value = choice(context)

    async def set_keep(tap: Tap) -> Reply | str:
        if value not in RETENTION_DAYS:
            return "toast_button_unknown"
        tap.user.note_retention_days = RETENTION_DAYS[value]
        return discretion_page(tap.user, tap.locale)

    await member_button(update, context, set_keep)


def _retention(user: User, locale: str) -> str:
    if user.note_retention_days is None:
        return render("notes_kept_forever", locale)
    return render("notes_kept_days", locale, days=user.note_retention_days)
