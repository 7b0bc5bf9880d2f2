"""Choosing a timezone: quick buttons, typed names and offsets, a shared location."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render
from store.models import Subscription, User
from tests.e2e.db import all_rows
from tests.e2e.flows import onboard, opt_in_default


async def _at_zone_question(emulator: BotApiEmulator, user_id: int) -> object:
    person = emulator.user(user_id=user_id, first_name="Sam")
    await person.send("/start")
    welcome = await person.wait_for_message()
    await person.press(welcome, callback_data="adult:yes")
    await person.press(await person.wait_for_edit(welcome), callback_data="consent:yes")
    await person.wait_for_message(lambda m: m.text == render("timezone_location_tip", "en"))
    return person


async def test_quick_button(bot: AttuneApp, emulator: BotApiEmulator, database_url: str) -> None:
    sam = await _at_zone_question(emulator, 3001)
    question = next(m for m in sam.messages if m.text == render("timezone_ask", "en"))
    await sam.press(question, callback_data="tz:Asia/Tokyo")
    await sam.wait_for_message(lambda m: "Asia/Tokyo" in m.text and "21:00" in m.text)
    [user] = await all_rows(database_url, User)
    assert user.timezone == "Asia/Tokyo" and user.awaiting is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("+05:30", "UTC+05:30"), ("UTC-3", "UTC-03:00"), ("america/new york", "America/New_York")],
)
async def test_typed_zone_or_offset(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str, typed: str, stored: str
) -> None:
    sam = await _at_zone_question(emulator, 3002)
    await sam.send(typed)
    await sam.wait_for_message(lambda m: stored in m.text)
    [user] = await all_rows(database_url, User)
    assert user.timezone == stored


async def test_shared_location_is_resolved_offline_and_not_kept(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = await _at_zone_question(emulator, 3003)
    await sam.send_location(-33.87, 151.21)  # Sydney
    await sam.wait_for_message(lambda m: "Australia/Sydney" in m.text)
    assert sam.reply_keyboard is None  # the location button is taken away again
    [user] = await all_rows(database_url, User)
    assert user.timezone == "Australia/Sydney"


async def test_location_at_sea_asks_to_type_instead(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = await _at_zone_question(emulator, 3004)
    await sam.send_location(0.0, -30.0)  # the middle of the Atlantic
    reply = await sam.wait_for_message()
    assert reply.text == render("timezone_location_unknown", "en")
    [user] = await all_rows(database_url, User)
    assert user.timezone is None


async def test_changing_zone_moves_every_prompt_and_shows_the_next_times(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=3005, first_name="Sam")
    await onboard(sam, zone="Europe/Berlin")
    await opt_in_default(sam, "body_scan")
    await sam.send("/timezone")
    await sam.wait_for_message(lambda m: m.text == render("timezone_location_tip", "en"))
    await sam.send("Asia/Tokyo")  # 12:00 UTC is 21:00 in Tokyo: 22:00 is still today
    summary = await sam.wait_for_message(lambda m: "next" in m.text)
    assert render("next_today", "en", time="22:00") in summary.text
    [sub] = await all_rows(database_url, Subscription)
    assert sub.next_due_at == datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
