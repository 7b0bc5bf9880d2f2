"""Later, Skip this one, quiet expiry, and a late tap that still counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.app import AttuneApp
from emulator import BotApiEmulator, Call
from messages import render
from store.models import Prompt, PromptState
from tests.e2e.db import all_rows, opened_check_ins
from tests.e2e.flows import is_prompt, onboard, opt_in_default, tick_at
from tests.e2e.harness import FakeClock, make_settings, running_bot
from tests.e2e.practice import rate

TEN_PM_BERLIN = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)


async def _prompted(
    bot: AttuneApp,
    emulator: BotApiEmulator,
    clock: FakeClock,
    user_id: int,
    key: str = "body_scan",
) -> tuple[object, object]:
    person = emulator.user(user_id=user_id, first_name="Sam")
    await onboard(person)
    page = await opt_in_default(person, key)
    assert page.text
    await tick_at(bot, clock, TEN_PM_BERLIN)
    return person, await person.wait_for_message(is_prompt)


def _data(message: object) -> list[str]:
    return [data for _, data in message.buttons]  # type: ignore[attr-defined]


async def test_later_brings_the_same_prompt_back_once(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam, message = await _prompted(bot, emulator, clock, 6001)
    [prompt] = await all_rows(database_url, Prompt)
    await sam.press(message, callback_data=f"later:{prompt.id}")
    choices = await sam.wait_for_edit(message)
    # 22:00 in Berlin: twenty minutes and an hour; "this evening" is past.
    assert _data(choices) == [f"snz:{prompt.id}:20m", f"snz:{prompt.id}:1h", f"back:{prompt.id}"]
    assert "22:20" in choices.buttons[0][0]
    await sam.press(choices, callback_data=f"snz:{prompt.id}:20m")
    snoozed = await sam.wait_for_edit(choices)
    assert "22:20" in snoozed.text and snoozed.buttons == []
    [row] = await all_rows(database_url, Prompt)
    assert row.state == PromptState.SNOOZED
    assert row.snoozed_until == TEN_PM_BERLIN + timedelta(minutes=20)

    mark = sam.mark()
    await tick_at(bot, clock, TEN_PM_BERLIN + timedelta(minutes=19))
    assert sam.messages[mark:] == []
    await tick_at(bot, clock, TEN_PM_BERLIN + timedelta(minutes=20))
    again = await sam.wait_for_message(is_prompt)
    assert again.text == message.text  # the same prompt, word for word
    assert f"later:{prompt.id}" not in _data(again)  # it comes back once
    assert f"skip:{prompt.id}" in _data(again)
    [row] = await all_rows(database_url, Prompt)
    assert (row.state, row.message_id, row.snoozed_until) == (
        PromptState.SENT,
        again.message_id,
        None,
    )
    mark = sam.mark()
    await tick_at(bot, clock, TEN_PM_BERLIN + timedelta(minutes=40))
    assert sam.messages[mark:] == []

    await sam.press(again, callback_data=f"r:{prompt.id}:4")
    await sam.wait_for_edit(again)
    [check_in] = await opened_check_ins(database_url)
    assert (check_in.rating, check_in.practiced_at) == (4, TEN_PM_BERLIN)


async def test_back_restores_the_prompt_buttons(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam, message = await _prompted(bot, emulator, clock, 6002)
    [prompt] = await all_rows(database_url, Prompt)
    await sam.press(message, callback_data=f"later:{prompt.id}")
    choices = await sam.wait_for_edit(message)
    await sam.press(choices, callback_data=f"back:{prompt.id}")
    restored = await sam.wait_for_edit(choices)
    assert _data(restored) == _data(message)


async def test_this_evening_is_offered_in_the_morning(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=6003, first_name="Sam")
    clock.now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    await onboard(sam)
    await opt_in_default(sam, "breath")  # 08:00 Berlin = 07:00 UTC
    await tick_at(bot, clock, datetime(2026, 11, 27, 7, 0, tzinfo=UTC))
    message = await sam.wait_for_message(is_prompt)
    [prompt] = await all_rows(database_url, Prompt)
    await sam.press(message, callback_data=f"later:{prompt.id}")
    choices = await sam.wait_for_edit(message)
    assert f"snz:{prompt.id}:eve" in _data(choices)
    await sam.press(choices, callback_data=f"snz:{prompt.id}:eve")
    await sam.wait_for_edit(choices)
    [row] = await all_rows(database_url, Prompt)
    assert row.snoozed_until == datetime(2026, 11, 27, 18, 0, tzinfo=UTC)  # 19:00 Berlin


async def test_skip_this_one_needs_no_follow_up(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam, message = await _prompted(bot, emulator, clock, 6004)
    [prompt] = await all_rows(database_url, Prompt)
    mark = sam.mark()
    await sam.press(message, callback_data=f"skip:{prompt.id}")
    skipped = await sam.wait_for_edit(message)
    assert skipped.buttons == []
    assert skipped.text.endswith(render("prompt_skipped", "en", prompt="").strip())
    [row] = await all_rows(database_url, Prompt)
    assert row.state == PromptState.SKIPPED
    await tick_at(bot, clock, TEN_PM_BERLIN + timedelta(hours=3))
    assert sam.messages[mark:] == []  # no new message: no reminder, no nudge
    # Pressing Later or Skip again on the old buttons changes nothing.
    answer = await sam.press(message, callback_data=f"later:{prompt.id}")
    got = await sam.wait_for_callback_answer(answer)
    assert got["text"] == render("toast_prompt_closed", "en")


async def test_unanswered_prompts_expire_quietly_and_a_late_tap_still_counts(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam, first = await _prompted(bot, emulator, clock, 6005)
    # The next evening's prompt retires the first one, without a word about it.
    await tick_at(bot, clock, TEN_PM_BERLIN + timedelta(days=1))
    second = await sam.wait_for_message(is_prompt)
    rows = sorted(await all_rows(database_url, Prompt), key=lambda r: r.due_at)
    assert [r.state for r in rows] == [PromptState.EXPIRED, PromptState.SENT]
    assert "expired" not in second.text.lower()

    # A tap on the first prompt, a day late, is recorded for its own day, kindly.
    thanks = await rate(sam, first, 3)
    noted = render("rating_late", "en", thanks="", day=render("day_yesterday", "en"))
    assert noted.strip() in thanks.text
    [check_in] = await opened_check_ins(database_url)
    assert (check_in.rating, check_in.practiced_at) == (3, TEN_PM_BERLIN)


async def test_a_tap_after_midnight_is_noted_for_the_evening_before(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam, prompt = await _prompted(bot, emulator, clock, 6008)
    clock.now = TEN_PM_BERLIN + timedelta(hours=2, minutes=30)  # 00:30 in Berlin
    thanks = await rate(sam, prompt, 4)
    noted = render("rating_late", "en", thanks="", day=render("day_yesterday", "en"))
    assert noted.strip() in thanks.text
    [check_in] = await opened_check_ins(database_url)
    assert check_in.practiced_at == TEN_PM_BERLIN


async def test_a_weekly_prompt_left_unanswered_expires_after_a_day(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    friday_six_pm = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    sam = emulator.user(user_id=6007, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "small_wins")  # Fridays at 18:00
    await tick_at(bot, clock, friday_six_pm)
    await sam.wait_for_message(is_prompt)
    await tick_at(bot, clock, friday_six_pm + timedelta(hours=23, minutes=59))
    [row] = await all_rows(database_url, Prompt)
    assert row.state == PromptState.SENT
    mark = sam.mark()
    await tick_at(bot, clock, friday_six_pm + timedelta(hours=24, minutes=1))
    [row] = await all_rows(database_url, Prompt)
    assert row.state == PromptState.EXPIRED
    assert sam.messages[mark:] == []  # quietly


def _prompt_sends(emulator: BotApiEmulator, chat_id: int) -> list[Call]:
    return [
        call
        for call in emulator.calls_to("sendMessage")
        if call.ok
        and call.params.get("chat_id") == chat_id
        and '"r:' in json.dumps(call.params.get("reply_markup"))
    ]


async def test_two_prompts_to_one_person_are_a_second_apart(
    emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=6006, first_name="Sam")
    async with running_bot(make_settings(emulator.root_url, database_url), clock):
        await onboard(sam)
        await opt_in_default(sam, "body_scan")
        page = await opt_in_default(sam, "daily_checkin")
        await sam.press(page, callback_data="ask:daily_checkin")
        await sam.wait_for_message()
        await sam.send("22:00")  # both rituals now at 22:00
        await sam.wait_for_message(lambda m: "22:00" in m.text)
    # Restarted with Telegram's per-chat pace: one message a second to one person.
    settings = make_settings(emulator.root_url, database_url, ATTUNE_CHAT_RATE_LIMIT=1)
    async with running_bot(settings, clock) as bot:
        await tick_at(bot, clock, TEN_PM_BERLIN)
        first, second = _prompt_sends(emulator, sam.chat_id)
        assert second.at - first.at >= 0.95
