"""Safety: a gentle offer after low ratings, crisis replies with human help."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render
from store.models import Note, Prompt, User
from tests.e2e.db import all_rows, count
from tests.e2e.flows import is_prompt, onboard, opt_in_default, tick_at
from tests.e2e.harness import FakeClock
from tests.e2e.practice import rate

TEN_PM_BERLIN = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)


async def _rate(
    bot: AttuneApp, person: Any, clock: FakeClock, when: datetime, rating: int
) -> None:
    await tick_at(bot, clock, when)
    await rate(person, await person.wait_for_message(is_prompt), rating)


def _data(message: Any) -> list[str]:
    return [data for _, data in message.buttons]


async def test_a_rating_of_one_brings_an_optional_grounding_exercise(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock
) -> None:
    sam = emulator.user(user_id=9101, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    await _rate(bot, sam, clock, TEN_PM_BERLIN, 1)
    offer = await sam.wait_for_message(lambda m: "ground:yes" in _data(m))
    assert "diagnos" not in offer.text.lower()
    await sam.press(offer, callback_data="ground:yes")
    exercise = await sam.wait_for_edit(offer)
    assert exercise.text == render("care_grounding", "en")


async def test_two_low_ratings_in_a_row_bring_the_offer_one_does_not(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=9102, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    await _rate(bot, sam, clock, TEN_PM_BERLIN, 2)
    mark = sam.mark()
    await tick_at(bot, clock, TEN_PM_BERLIN + timedelta(hours=1))
    assert not any("ground:yes" in _data(m) for m in sam.messages[mark - 2 :])
    [user] = await all_rows(database_url, User)
    assert user.care_offers == 0
    await _rate(bot, sam, clock, TEN_PM_BERLIN + timedelta(days=1), 2)
    await sam.wait_for_message(lambda m: "ground:yes" in _data(m))
    [user] = await all_rows(database_url, User)
    assert user.care_offers == 1  # counted, so the next offer can take its turn


async def test_crisis_words_get_help_and_an_offer_to_pause_for_today(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=9103, first_name="Sam")
    await onboard(sam)  # Europe/Berlin
    await opt_in_default(sam, "body_scan")
    await sam.send("honestly I want to die")
    help_message = await sam.wait_for_message()
    assert "automated companion" in help_message.text
    assert help_message.text.startswith("I'm an automated companion")
    assert "TelefonSeelsorge" in help_message.text  # the person's country first
    assert "findahelpline.com" in help_message.text
    assert help_message.text.index("TelefonSeelsorge") < help_message.text.index("112")
    assert _data(help_message) == ["crisis:pause", "crisis:keep"]
    await sam.press(help_message, callback_data="crisis:pause")
    paused = await sam.wait_for_edit(help_message)
    assert paused.text == render("crisis_paused", "en")
    [user] = await all_rows(database_url, User)
    assert user.paused_until == datetime(2026, 11, 27, 23, 0, tzinfo=UTC)  # Berlin midnight
    await tick_at(bot, clock, TEN_PM_BERLIN)
    assert await count(database_url, Prompt) == 0  # nothing tonight
    await tick_at(bot, clock, TEN_PM_BERLIN + timedelta(days=1))
    prompt = await sam.wait_for_message(is_prompt)  # and tomorrow as usual
    [row] = await all_rows(database_url, Prompt)
    assert (row.due_at, row.message_id) == (TEN_PM_BERLIN + timedelta(days=1), prompt.message_id)


async def test_a_stranger_in_crisis_gets_help_and_nothing_is_stored(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    stranger = emulator.user(user_id=9104, first_name="Alex")
    await stranger.send("I\u2019m not safe")
    help_message = await stranger.wait_for_message()
    assert "emergency number" in help_message.text
    # No prompts to pause; the country is unknown, so the lines for it can be asked for.
    assert _data(help_message) == ["ccask:d"]
    assert await count(database_url, User) == 0


async def test_a_note_in_crisis_is_kept_and_answered_with_care(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=9105, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    await _rate(bot, sam, clock, TEN_PM_BERLIN, 3)
    await sam.send("I keep thinking about ending my life")
    reply = await sam.wait_for_message(lambda m: "automated companion" in m.text)
    assert _data(reply) == ["crisis:pause", "crisis:keep"]
    assert await count(database_url, Note) == 1


async def test_help_always_offers_help_now(bot: AttuneApp, emulator: BotApiEmulator) -> None:
    sam = emulator.user(user_id=9106, first_name="Sam")
    await sam.send("/help")
    help_text = await sam.wait_for_message()
    assert _data(help_text) == ["helpnow"]
    await sam.press(help_text, callback_data="helpnow")
    resources = await sam.wait_for_message(lambda m: "findahelpline.com" in m.text)
    assert "automated companion" in resources.text
