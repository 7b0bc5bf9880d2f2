"""Discretion: neutral lock-screen prompts, quiet notifications, note retention, consent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render, ritual_text, rituals
from messages.consent import CONSENT_VERSION, consent_values
from store.db import create_engine, session_factory
from store.models import Note, Prompt, User
from tests.e2e.db import all_rows, count
from tests.e2e.flows import (
    button_data,
    is_prompt,
    onboard,
    opt_in_default,
    press_for_toast,
    tick_at,
)
from tests.e2e.harness import FakeClock

TEN_PM_BERLIN = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)


async def _settings_page(person: Any) -> Any:
    await person.send("/settings")
    page = await person.wait_for_message(lambda m: "privset" in button_data(m))
    await person.press(page, callback_data="privset")
    return await person.wait_for_edit(page)


async def test_a_discreet_prompt_names_nothing_until_open(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=9201, first_name="Sam")
    await onboard(sam, discreet=True)
    await opt_in_default(sam, "body_scan")
    await tick_at(bot, clock, TEN_PM_BERLIN)
    discreet = await sam.wait_for_message(
        lambda m: any(d.startswith("open:") for d in button_data(m))
    )
    first_line = discreet.text.splitlines()[0]
    assert first_line == render("discreet_prompt_evening", "en")
    words = [r.key for r in rituals()] + [ritual_text(r.key).name.lower() for r in rituals()]
    assert not any(w in discreet.text.lower() for w in [*words, "body", "sexual", "touch"])
    send = emulator.calls_to("sendMessage")[-1]
    assert send.params.get("protect_content") is True
    await sam.press(discreet, callback_data=button_data(discreet)[0])
    opened = await sam.wait_for_edit(discreet)
    assert is_prompt(opened) and "body" in opened.text.lower()


async def test_quiet_notifications_and_every_message_protected(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock
) -> None:
    sam = emulator.user(user_id=9202, first_name="Sam")
    await onboard(sam)
    page = await _settings_page(sam)
    await sam.press(page, callback_data="quiet:on")
    await sam.wait_for_edit(page)
    await opt_in_default(sam, "body_scan")
    await tick_at(bot, clock, TEN_PM_BERLIN)
    await sam.wait_for_message(is_prompt)
    prompt_send = [c for c in emulator.calls_to("sendMessage") if "r:" in str(c.params)][-1]
    assert prompt_send.params.get("disable_notification") is True
    sends = [c for c in emulator.calls_to("sendMessage") if c.params.get("chat_id") == 9202]
    assert sends and all(c.params.get("protect_content") is True for c in sends)


async def test_notes_past_their_retention_are_erased(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=9203, first_name="Sam")
    await onboard(sam)
    await sam.send("/journal")
    await sam.wait_for_message()
    await sam.send("An old thought.")
    await sam.wait_for_message(lambda m: m.text == render("note_saved", "en"))
    page = await _settings_page(sam)
    await sam.press(page, callback_data="keep:30")
    await sam.wait_for_edit(page)
    [user] = await all_rows(database_url, User)
    assert user.note_retention_days == 30
    housekeeping = bot.bot_data.services.housekeeping
    assert housekeeping is not None
    clock.now += timedelta(days=29)
    await housekeeping.run()
    assert await count(database_url, Note) == 1
    clock.now += timedelta(days=2)
    await housekeeping.run()
    assert await count(database_url, Note) == 0


async def test_a_new_consent_text_is_asked_again_before_anything_is_stored(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=9204, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    # As if the consent text changed after Sam agreed.
    engine = create_engine(database_url)
    async with session_factory(engine)() as session, session.begin():
        [user] = await all_rows(database_url, User)
        row = await session.get(User, user.id)
        assert row is not None
        row.consent_version = CONSENT_VERSION - 1
    await engine.dispose()
    # When the prompt comes due, Sam is asked about the new text instead, with its buttons.
    await tick_at(bot, clock, TEN_PM_BERLIN)
    asked_again = render("consent_changed", "en", **consent_values("en"))
    assert "country" in asked_again and "Telegram" in asked_again
    first = await sam.wait_for_message()
    assert first.text == asked_again
    assert button_data(first) == ["consent:yes", "consent:no"]
    assert await count(database_url, Prompt) == 0  # nothing sent under the old consent
    # Asked once: the next evening brings nothing; whatever Sam sends is answered with it.
    mark = sam.mark()
    await tick_at(bot, clock, TEN_PM_BERLIN + timedelta(days=1))
    await sam.send("/journal")
    ask = await sam.wait_for_message(after=mark)
    assert ask.text == asked_again
    assert len(sam.messages[mark:]) == 1
    await sam.send("/start")
    assert (await sam.wait_for_message(after=ask)).text == asked_again
    await sam.press(ask, callback_data="consent:yes")
    thanks = await sam.wait_for_edit(ask)
    assert thanks.text == render("consent_thanks_again", "en")
    [user] = await all_rows(database_url, User)
    assert user.consent_version == CONSENT_VERSION
    # The earlier question, pressed now: already done, nothing changes.
    assert await press_for_toast(sam, first, "consent:yes") == render("toast_step_done", "en")
    await tick_at(bot, clock, TEN_PM_BERLIN + timedelta(days=2))
    prompt = await sam.wait_for_message(is_prompt)
    [row] = await all_rows(database_url, Prompt)
    assert (row.due_at, row.message_id) == (TEN_PM_BERLIN + timedelta(days=2), prompt.message_id)
