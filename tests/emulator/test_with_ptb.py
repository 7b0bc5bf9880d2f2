"""The emulator driven by real python-telegram-bot code, proving PTB's encoding is accepted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

from emulator import BotApiEmulator
from tests.emulators import BOT_ID, TOKEN


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=emulator.base_url) as ptb_bot:
        yield ptb_bot


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(x, callback_data=f"pick:{x}") for x in labels]]
    )


async def test_ptb_requests_round_trip(emulator: BotApiEmulator, bot: Bot) -> None:
    sam = emulator.user(1001, "Sam", language_code="en")
    assert bot.username == "attune_test_bot" and bot.id == BOT_ID

    sent = await bot.send_message(
        1001, "<b>Pick</b> one", parse_mode=ParseMode.HTML, reply_markup=keyboard("1", "2", "3")
    )
    assert sent.text == "Pick one" and sent.entities[0].type == "bold"
    assert sent.reply_markup == keyboard("1", "2", "3")
    shown = await sam.wait_for_message()
    assert shown.message_id == sent.message_id
    assert shown.buttons == [("1", "pick:1"), ("2", "pick:2"), ("3", "pick:3")]

    query_id = await sam.press(shown, "3")
    updates = await bot.get_updates(timeout=5)
    assert len(updates) == 1
    query = updates[0].callback_query
    assert query is not None and query.id == query_id and query.data == "pick:3"
    assert query.from_user.id == 1001 and query.message is not None
    assert query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query.id, text="Saved", show_alert=True)
    answer = await sam.wait_for_callback_answer(query_id)
    assert answer["text"] == "Saved" and answer["show_alert"] is True
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)

    edited = await bot.edit_message_text("Picked 3", chat_id=1001, message_id=sent.message_id)
    assert isinstance(edited, type(sent)) and edited.edit_date is not None
    new_version = await sam.wait_for_edit(shown)
    assert new_version.text == "Picked 3" and new_version.buttons == []
    assert new_version.edits[0]["text"] == "Pick one"
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Picked 3", chat_id=1001, message_id=sent.message_id)

    await sam.send("/start payload")
    after = await bot.get_updates(offset=updates[0].update_id + 1, timeout=5)
    message = after[0].message
    assert message is not None and message.text == "/start payload"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 6


async def test_press_builds_a_parseable_callback_query(emulator: BotApiEmulator, bot: Bot) -> None:
    sam = emulator.user(1001, "Sam")
    eve = emulator.user(2002, "Eve")
    sent = await bot.send_message(1001, "Choose", reply_markup=keyboard("yes"))
    await sam.press(sent.message_id, callback_data="forged:" + "x" * 80)
    await sam.press(sent.message_id, "yes", as_user=eve)
    await eve.press(sam.messages[0], "yes")
    updates = [Update.de_json(raw, bot) for raw in emulator.pending_updates]
    queries = [update.callback_query for update in updates]
    assert all(query is not None for query in queries)
    assert [q.data for q in queries if q] == ["forged:" + "x" * 80, "pick:yes", "pick:yes"]
    assert [q.from_user.id for q in queries if q] == [1001, 2002, 2002]
    assert {q.message.chat.id for q in queries if q and q.message} == {1001}
    assert len({q.id for q in queries if q}) == 3
    assert len({q.chat_instance for q in queries if q}) == 1
    with pytest.raises(LookupError, match="no inline button 'no'"):
        await sam.press(sent.message_id, "no")


async def test_faults_map_to_ptb_exceptions(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.user(1001, "Sam")
    emulator.fail_next(1001, retry_after=7, count=2)
    for _ in range(2):
        with pytest.raises(RetryAfter, match="Retry in 7 seconds"):
            await bot.send_message(1001, "flood")
    assert (await bot.send_message(1001, "through")).text == "through"
    assert [c.error_code for c in emulator.calls_to("sendMessage")] == [429, 429, None]

    emulator.fail_next(1001, error_code=502, methods=["sendDocument"])
    assert await bot.send_message(1001, "not a document")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_document(1001, b"data", filename="d.bin")

    emulator.block(1001)
    blocked_update = Update.de_json(emulator.pending_updates[-1], bot)
    assert blocked_update.my_chat_member is not None
    assert blocked_update.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(1001, "hello?")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(1001, "typing")
    emulator.unblock(1001)
    assert await bot.send_message(1001, "back")


async def test_rate_limiter_retries_after_a_flood_wait(emulator: BotApiEmulator) -> None:
    emulator.user(1001, "Sam")
    emulator.fail_next(1001, retry_after=0.1)
    limiter = AIORateLimiter(max_retries=1)
    async with ExtBot(TOKEN, base_url=emulator.base_url, rate_limiter=limiter) as bot:
        assert (await bot.send_message(1001, "eventually")).text == "eventually"
    assert [c.error_code for c in emulator.calls_to("sendMessage")] == [429, None]
    assert emulator.calls_to("sendMessage")[0].description == "Too Many Requests: retry after 0.1"


async def test_documents_photos_and_reply_keyboards(emulator: BotApiEmulator, bot: Bot) -> None:
    sam = emulator.user(1001, "Sam")
    sent = await bot.send_document(1001, b"%PDF-1.4 data", filename="guide.pdf", caption="Guide")
    assert sent.document is not None and sent.document.file_name == "guide.pdf"
    assert sent.document.mime_type == "application/pdf"
    assert emulator.file_content(sent.document.file_id) == b"%PDF-1.4 data"
    photo = await bot.send_photo(1001, "https://example.org/cat.jpg")
    assert photo.photo[-1].width == 800

    ask = ReplyKeyboardMarkup(
        [[KeyboardButton("Share location", request_location=True)], ["Skip"]],
        one_time_keyboard=True,
    )
    await bot.send_message(1001, "Where are you?", reply_markup=ask)
    assert sam.reply_keyboard is not None
    assert sam.reply_keyboard["keyboard"][0][0]["request_location"] is True
    assert sam.last_message is not None and "reply_markup" not in sam.last_message.raw
    assert sam.last_message.reply_markup == ask.to_dict()
    await sam.tap_keyboard("Share location", latitude=52.52, longitude=13.4)
    update = Update.de_json(emulator.pending_updates[-1], bot)
    assert update.message is not None and update.message.location is not None
    assert update.message.location.latitude == pytest.approx(52.52)
    await bot.send_message(1001, "Thanks", reply_markup=ReplyKeyboardRemove())
    assert sam.reply_keyboard is None


async def echo_app(emulator: BotApiEmulator) -> Application:  # type: ignore[type-arg]
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(
            update.effective_chat.id, "Pick a number", reply_markup=keyboard("1", "2")
        )

    async def picked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        await query.answer(f"You picked {query.data[5:]}")
        await query.edit_message_text(f"Picked {query.data[5:]}")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text.upper(), do_quote=True)

    app = ApplicationBuilder().token(TOKEN).base_url(emulator.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(picked))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


async def test_polling_application_end_to_end(emulator: BotApiEmulator) -> None:
    sam = emulator.user(1001, "Sam")
    group = emulator.group(-100123, "Friends")
    app = await echo_app(emulator)
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        await app.start()
        try:
            await sam.send("/start")
            menu = await sam.wait_for_message(lambda m: m.text == "Pick a number")
            query_id = await sam.press(menu, "2")
            assert (await sam.wait_for_callback_answer(query_id))["text"] == "You picked 2"
            assert (await sam.wait_for_edit(menu)).text == "Picked 2"
            await sam.send("hello")
            reply = await sam.wait_for_message()
            assert reply.text == "HELLO"
            assert reply.raw["reply_to_message"]["text"] == "hello"
            await group.send(from_user=sam, text="ignored by privacy mode")
            await group.send(from_user=sam, text="/start@attune_test_bot")
            assert (await group.wait_for_message()).text == "Pick a number"
            with pytest.raises(TimeoutError, match="no new bot message"):
                await sam.wait_for_message(timeout=0.2)
        finally:
            await app.updater.stop()
            await app.stop()
    assert not emulator.internal_errors
    assert [(c.method, c.description) for c in emulator.errors] == []
    assert len(group.messages) == 1


async def test_stop_releases_a_pending_long_poll() -> None:
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    async with Bot(TOKEN, base_url=emulator.base_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=35))
        await emulator.wait_for_call("getMe", after=0)
        await asyncio.sleep(0.05)
        started = asyncio.get_running_loop().time()
        await emulator.stop()
        assert await poll == ()
        assert asyncio.get_running_loop().time() - started < 2
