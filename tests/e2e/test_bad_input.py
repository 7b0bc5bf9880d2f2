"""Bad input gets a short, kind reply and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render
from store.models import CheckIn, Note, Prompt, Subscription, User
from tests.e2e.db import all_rows, count, opened_check_ins
from tests.e2e.flows import agree, is_prompt, onboard, opt_in_default, settled, tick_at
from tests.e2e.harness import FakeClock


async def _prompted(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, user_id: int
) -> tuple[object, object]:
    person = emulator.user(user_id=user_id, first_name="Sam")
    await onboard(person)
    await opt_in_default(person, "body_scan")
    await tick_at(bot, clock, datetime(2026, 11, 27, 21, 0, 5, tzinfo=UTC))
    message = await person.wait_for_message(is_prompt)
    return person, message


async def test_unknown_command(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=2001, first_name="Sam")
    await sam.send("/dance")
    reply = await sam.wait_for_message()
    assert (reply.text, reply.buttons) == (render("unknown_command", "en"), [])
    assert await count(database_url, User) == 0  # a stranger's command stores nothing


async def test_free_text_with_no_question_open(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=2002, first_name="Sam")
    await sam.send("hello there")
    assert (await sam.wait_for_message()).text == render("need_start", "en")
    assert await count(database_url, User) == 0  # nothing kept before consent
    await onboard(sam)
    await sam.send("hello there")
    answer = await sam.wait_for_message()
    assert answer.text == render("free_text", "en")
    # A place to keep the words, and help; the words themselves are not kept unasked.
    assert [data for _, data in answer.buttons] == ["journal", "helpnow"]
    [user] = await all_rows(database_url, User)
    assert user.awaiting is None and await count(database_url, Note) == 0


async def test_unknown_timezone_changes_nothing(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=2003, first_name="Sam")
    await onboard(sam, zone="Europe/Berlin")
    await sam.send("/timezone")
    await sam.wait_for_message(lambda m: m.text == render("timezone_location_tip", "en"))
    for typed in ("Mars/Olympus", "UTC+99", "x" * 5000):
        await sam.send(typed)
        reply = await sam.wait_for_message()
        assert reply.text in (render("timezone_unknown", "en"), render("answer_too_long", "en"))
    [user] = await all_rows(database_url, User)
    assert user.timezone == "Europe/Berlin"
    await settled(sam)  # an error reply would have come before the sentinel's answer
    sent = [c.params.get("text") for c in emulator.calls_to("sendMessage")]
    assert render("error_generic", "en") not in sent


async def test_impossible_time_changes_nothing(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=2004, first_name="Sam")
    await onboard(sam)
    page = await opt_in_default(sam, "body_scan")
    await sam.press(page, callback_data="ask:body_scan")
    await sam.wait_for_message()
    await sam.send("25:99")
    assert (await sam.wait_for_message()).text == render("time_invalid", "en")
    [sub] = await all_rows(database_url, Subscription)
    assert sub.local_time == "22:00"
    await sam.send("23:15")  # the question is still open after a wrong answer
    await sam.wait_for_message(lambda m: "23:15" in m.text)
    [sub] = await all_rows(database_url, Subscription)
    [user] = await all_rows(database_url, User)
    assert (sub.local_time, user.awaiting) == ("23:15", None)


async def test_someone_elses_and_forged_buttons_change_nothing(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam, message = await _prompted(bot, emulator, clock, 2005)
    [prompt] = await all_rows(database_url, Prompt)
    bob = emulator.user(user_id=2006, first_name="Bob")

    # Bob forges Sam's rating button in his own chat, then presses Sam's message itself.
    await bob.send("/start")
    bobs_welcome = await bob.wait_for_message()
    answer = await bob.press(bobs_welcome, callback_data=f"r:{prompt.id}:1")
    assert (await bob.wait_for_callback_answer(answer))["text"] == render("toast_not_yours", "en")
    answer = await sam.press(message, callback_data=f"r:{prompt.id}:1", as_user=bob)
    assert (await bob.wait_for_callback_answer(answer))["text"] == render("toast_not_yours", "en")
    assert await count(database_url, CheckIn) == 0

    # A prompt that does not exist, a rating out of range, data the bot never makes.
    for data, toast in (
        ("r:999999:3", "toast_not_yours"),
        ("r:82685891023:3", "toast_button_unknown"),  # wider than the id column
        (f"r:{prompt.id}:9", "toast_button_unknown"),
        ("rit:not_a_ritual", "toast_start_first"),
        ("\u202e\u200b??", "toast_button_unknown"),
    ):
        answer = await sam.press(message, callback_data=data)
        got = await sam.wait_for_callback_answer(answer)
        assert got["text"] in (render(toast, "en"), render("toast_button_unknown", "en"))
    assert await count(database_url, CheckIn) == 0


async def test_group_chat_is_refused_and_nothing_is_stored(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=2007, first_name="Sam")
    group = emulator.group(chat_id=-100555, title="Friends")
    await group.send(from_user=sam, text="/start")
    reply = await group.wait_for_message()
    assert reply.text == render("private_only", "en")
    left = await emulator.wait_for_call("leaveChat", after=0)
    assert left.params["chat_id"] == -100555  # said once, then gone
    assert await count(database_url, User) == 0


async def test_a_flood_from_one_person_is_dropped_kindly(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock
) -> None:
    sam = emulator.user(user_id=2010, first_name="Sam")
    help_text, slow_down = render("help", "en"), render("flood_slow_down", "en")
    for _ in range(6):  # the fair share in ten seconds, five at a time: all answered
        mark = sam.mark()
        for _ in range(5):
            await sam.send("/help")
        for _ in range(5):
            mark = (await sam.wait_for_message(lambda m: m.text == help_text, after=mark)).seq
    for _ in range(30):  # the rest of the same ten seconds: dropped, with one kind word
        await sam.send("/help")
    await sam.wait_for_message(lambda m: m.text == slow_down)
    clock.advance(seconds=11)
    await settled(sam)  # answered after anything still waiting in Sam's chat: there is none
    texts = [m.text for m in sam.messages]
    assert (texts.count(help_text), texts.count(slow_down)) == (31, 1)


async def test_stickers_and_photos_get_a_kind_word(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=2008, first_name="Sam")
    await sam.send_raw_message(
        sticker={
            "file_id": "s1",
            "file_unique_id": "u1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    )
    assert (await sam.wait_for_message()).text == render("not_text", "en")
    assert await count(database_url, User) == 0  # nothing of it is kept


async def test_a_failing_handler_says_nothing_was_lost(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam, message = await _prompted(bot, emulator, clock, 2009)
    [prompt] = await all_rows(database_url, Prompt)
    # Telegram fails while the prompt is being edited, after the rating was committed.
    emulator.fail_next(sam.chat_id, error_code=400, methods=["editMessageText"])
    await sam.press(message, callback_data=f"r:{prompt.id}:2")
    await sam.wait_for_message(lambda m: m.text == render("error_generic", "en"))
    [check_in] = await opened_check_ins(database_url)
    assert check_in.rating == 2


async def test_a_button_on_a_deleted_message_still_answers_in_a_new_one(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=2090, first_name="Sam")
    await onboard(sam)
    page = await opt_in_default(sam, "body_scan")
    # The press is on its way while the message is deleted (on another device): the edit
    # then finds no message.
    await sam.press(page, callback_data="off:body_scan")
    sam.stored(page).deleted = True
    told = await sam.wait_for_message()
    [sub] = await all_rows(database_url, Subscription)
    assert not sub.active
    assert "body_scan" in str(told.buttons)


async def test_a_city_pressed_on_a_deleted_question_still_sets_the_timezone(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=2091, first_name="Sam")
    await agree(sam)
    cities = await sam.wait_for_message(lambda m: "tz:Europe/Berlin" in str(m.buttons))
    await sam.press(cities, callback_data="tz:Europe/Berlin")
    sam.stored(cities).deleted = True  # gone while the press is on its way
    await sam.wait_for_message(lambda m: "on:body_scan" in str(m.buttons))
    [user] = await all_rows(database_url, User)
    assert user.timezone == "Europe/Berlin"
    await settled(sam)  # an error reply would have come before the sentinel's answer
    sent = [c.params.get("text") for c in emulator.calls_to("sendMessage")]
    assert render("error_generic", "en") not in sent
