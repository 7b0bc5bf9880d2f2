"""The whole loop through the real application and the emulator: start, consent,
timezone, opt in, the prompt at its local time, one tap, thanks."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render, ritual_text
from progress.milestones import milestone_message
from store.models import Prompt, PromptState, Subscription, User
from tests.e2e.db import all_rows, count, opened_check_ins
from tests.e2e.flows import is_prompt, onboard, opt_in_default, tick_at
from tests.e2e.harness import FakeClock
from tests.e2e.practice import check_in_id


async def test_start_consent_timezone_opt_in_prompt_and_one_tap(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=1001, first_name="Sam")

    await sam.send("/start")
    welcome = await sam.wait_for_message()
    assert "not therapy" in welcome.text
    # Before consent only the fact that the question was asked is kept.
    [user] = await all_rows(database_url, User)
    assert user.consented_at is None and user.timezone is None

    await sam.press(welcome, callback_data="adult:yes")
    consent = await sam.wait_for_edit(welcome)
    assert [data for _, data in consent.buttons] == ["consent:yes", "consent:no"]
    await sam.press(consent, callback_data="consent:yes")
    zone_question = await sam.wait_for_message(lambda m: m.text == render("timezone_ask", "en"))
    assert "tz:Europe/Berlin" in [data for _, data in zone_question.buttons]
    await sam.wait_for_message(lambda m: m.text == render("timezone_location_tip", "en"))
    assert sam.reply_keyboard is not None  # the "share location" button

    await sam.send("europe/berlin")
    zone_set = await sam.wait_for_message(lambda m: "Europe/Berlin" in m.text)
    assert "13:00" in zone_set.text  # 12:00 UTC is 13:00 in Berlin
    offer = await sam.wait_for_message(lambda m: bool(m.buttons))
    assert "on:body_scan" in [data for _, data in offer.buttons]

    await sam.press(offer, callback_data="on:body_scan")
    page = await sam.wait_for_edit(offer)
    assert render("next_today", "en", time="22:00") in page.text
    [sub] = await all_rows(database_url, Subscription)
    assert sub.local_time == "22:00" and sub.weekdays == "0123456"
    assert sub.next_due_at == datetime(2026, 11, 27, 21, 0, tzinfo=UTC)

    # Nothing is sent before the local time...
    await tick_at(bot, clock, datetime(2026, 11, 27, 20, 59, tzinfo=UTC))
    assert await count(database_url, Prompt) == 0
    # ...and the prompt arrives once 22:00 in Berlin has come.
    await tick_at(bot, clock, datetime(2026, 11, 27, 21, 0, 5, tzinfo=UTC))
    # Discreet by default: the lock screen shows a neutral line; the words come after Open.
    discreet = await sam.wait_for_message(lambda m: "open:" in str(m.buttons))
    assert discreet.text.startswith(render("discreet_prompt_evening", "en"))
    [(_, open_data)] = discreet.buttons
    await sam.press(discreet, callback_data=open_data)
    prompt_message = await sam.wait_for_edit(discreet)
    assert is_prompt(prompt_message)
    assert len(prompt_message.buttons) == 7  # 1-5, Later, Skip this one
    [prompt] = await all_rows(database_url, Prompt)
    assert prompt.state == PromptState.SENT
    assert prompt.message_id == prompt_message.message_id

    answer_id = await sam.press(prompt_message, callback_data=f"r:{prompt.id}:3")
    await sam.wait_for_callback_answer(answer_id)
    answered = await sam.wait_for_edit(prompt_message)
    # One edit: the prompt's words stay on top, then the answer, then the thank-you and
    # its invitation; the 1-5 stay (the chosen one marked), and No thanks comes below.
    label = ritual_text("body_scan").labels[3]
    top = f"{prompt_message.text}\n\nYour answer: 3 · {label}\n\n"
    invitation = render("note_invite", "en", thanks="").strip()
    assert answered.text.startswith(top) and answered.text.endswith("\n\n" + invitation)
    thanks = answered.text[len(top) : -len(invitation) - 2]
    assert thanks in ritual_text("body_scan").acknowledgements["middle"]
    assert [data for _, data in answered.buttons] == [
        *(f"r:{prompt.id}:{n}" for n in range(1, 6)),
        f"nonote:{check_in_id(answered)}",
    ]
    assert answered.buttons[2][0].startswith("✓ 3")
    # Right after the thank-you: the first check-in is celebrated, the one new message.
    celebrated = await sam.wait_for_message()
    assert celebrated.text == milestone_message("first:body_scan", "en")
    assert sam.messages[-2:] == [answered, celebrated]
    [check_in] = await opened_check_ins(database_url)
    assert (check_in.rating, check_in.prompt_id, check_in.ritual_key) == (
        3,
        prompt.id,
        "body_scan",
    )

    # A second tap changes the rating in place; never a second check-in or a new message.
    sent_before = len(sam.messages)
    answer_id = await sam.press(answered, callback_data=f"r:{prompt.id}:4")
    await sam.wait_for_callback_answer(answer_id)
    changed = await sam.wait_for_edit(answered)
    assert changed.text.startswith(prompt_message.text + "\n\nYour answer: 4 · ")
    assert changed.text.endswith("\n\n" + invitation)  # still welcome: nothing written yet
    assert changed.buttons[3][0].startswith("✓ 4")
    [check_in] = await opened_check_ins(database_url)
    assert check_in.rating == 4
    assert len(sam.messages) == sent_before
    [prompt] = await all_rows(database_url, Prompt)
    assert prompt.state == PromptState.ANSWERED

    # The next prompt is tomorrow at 22:00 Berlin time, exactly once.
    [sub] = await all_rows(database_url, Subscription)
    assert sub.next_due_at == datetime(2026, 11, 28, 21, 0, tzinfo=UTC)


async def test_commands_are_registered_at_start(bot: AttuneApp, emulator: BotApiEmulator) -> None:
    call = await emulator.wait_for_call("setMyCommands", after=0)
    names = [c["command"] for c in call.params["commands"]]
    assert names == [
        "rituals",
        "journal",
        "progress",
        "history",
        "share",
        "partner",
        "settings",
        "pause",
        "resume",
        "timezone",
        "language",
        "help",
        "privacy",
        "export",
        "import",
        "delete",
        "start",
    ]


async def test_opt_in_at_a_typed_time(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=1002, first_name="Sam")
    await onboard(sam, zone="America/New_York")
    await sam.send("/rituals")
    listing = await sam.wait_for_message(lambda m: bool(m.buttons))
    await sam.press(listing, callback_data="rit:breath")
    page = await sam.wait_for_edit(listing)
    await sam.press(page, callback_data="ask:breath")
    await sam.wait_for_message(lambda m: "breath" in m.text.lower())
    await sam.send("9:30 pm")
    confirmed = await sam.wait_for_message(lambda m: "21:30" in m.text)
    assert render("next_today", "en", time="21:30") in confirmed.text
    [sub] = await all_rows(database_url, Subscription)
    assert sub.local_time == "21:30"
    # 21:30 in New York on 27 November (EST, UTC-5) is 02:30 UTC the next day.
    assert sub.next_due_at == datetime(2026, 11, 28, 2, 30, tzinfo=UTC)


async def test_opt_out_stops_prompts(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=1003, first_name="Sam")
    await onboard(sam)
    page = await opt_in_default(sam, "body_scan")
    await sam.press(page, callback_data="off:body_scan")
    off_page = await sam.wait_for_edit(page)
    assert "on:body_scan" in [data for _, data in off_page.buttons]
    [sub] = await all_rows(database_url, Subscription)
    assert not sub.active and sub.next_due_at is None
    await tick_at(bot, clock, datetime(2026, 11, 27, 21, 1, tzinfo=UTC))
    assert await count(database_url, Prompt) == 0
