"""AiohttpRequest: a real PTB Bot over aiohttp, against the emulator and broken servers."""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.http import AiohttpRequest
from emulator import BotApiEmulator
from tests.emulators import BOT_ID, TOKEN

CHAT = 1001


def tiny_png() -> bytes:
    """A valid 1x1 grey PNG, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    pixels = zlib.compress(b"\x00\x80")  # filter byte, one pixel
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def make_bot(root_url: str, read_timeout: float = 5.0) -> Bot:
    return Bot(
        TOKEN,
        base_url=f"{root_url}/bot",
        request=AiohttpRequest(read_timeout=read_timeout),
        get_updates_request=AiohttpRequest(read_timeout=read_timeout),
    )


@pytest.fixture
def emu(emulator: BotApiEmulator) -> BotApiEmulator:
    """The shared emulator, with the person the tests write to."""
    emulator.user(CHAT, "Sam")
    return emulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    async with make_bot(emu.root_url) as ptb_bot:
        yield ptb_bot


async def test_get_me(emu: BotApiEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username) == (BOT_ID, "attune_test_bot")
    assert emu.calls_to("getMe")[-1].ok


async def test_send_message_with_inline_keyboard(emu: BotApiEmulator, bot: Bot) -> None:
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"{n} — ça va", callback_data=f"rate:{n}") for n in (1, 2)]]
    )
    sent = await bot.send_message(CHAT, "How are you, Zoë? & = ?", reply_markup=markup)
    assert sent.text == "How are you, Zoë? & = ?"
    assert sent.reply_markup == markup
    call = emu.calls_to("sendMessage")[-1]
    assert call.ok and call.params["chat_id"] == CHAT
    assert call.params["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "rate:2"


async def test_values_arrive_as_written_in_a_json_body(emu: BotApiEmulator, bot: Bot) -> None:
    # Every value PTB encodes travels as a string of one JSON object: text that looks like
    # JSON stays text, and numbers, booleans and objects are read as what they encode.
    text = 'Привет 🌙 "quoted" \\ {"not": "json"} [1, 2] true'
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("🌙", callback_data="moon")]])
    sent = await bot.send_message(
        CHAT, text, reply_markup=markup, disable_notification=True, protect_content=False
    )
    assert sent.text == text
    call = emu.calls_to("sendMessage")[-1]
    assert call.params["text"] == text and call.params["chat_id"] == CHAT
    assert call.params["disable_notification"] is True
    assert call.params["protect_content"] is False
    assert call.params["reply_markup"] == markup.to_dict()


async def test_send_document_is_multipart(emu: BotApiEmulator, bot: Bot) -> None:
    content = "one line\nsecond line, ünïcode\n".encode()
    sent = await bot.send_document(CHAT, content, filename="export.txt", caption="Your data")
    assert sent.document is not None and sent.document.file_name == "export.txt"
    assert sent.caption == "Your data"
    assert emu.file_content(sent.document.file_id) == content


async def test_send_photo_uploads_real_image_bytes(emu: BotApiEmulator, bot: Bot) -> None:
    png = tiny_png()
    sent = await bot.send_photo(CHAT, png, caption="tiny")
    assert sent.photo and (sent.photo[-1].width, sent.photo[-1].height) == (1, 1)
    assert emu.file_content(sent.photo[-1].file_id) == png


async def test_get_updates_long_poll_waits_for_an_update(emu: BotApiEmulator, bot: Bot) -> None:
    person = emu.user(CHAT)
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    # The emulator counts polls as they arrive and records a call only once answered.
    started = await emu.state.notifier.wait_until(lambda: emu.state.poll_generation or None, 5)
    assert started and not poll.done()  # the poll is held open by the server
    await person.send("hello")
    updates = await asyncio.wait_for(poll, 5)
    assert [u.message.text for u in updates if u.message] == ["hello"]


async def test_empty_long_poll_outlasts_the_default_read_timeout(emu: BotApiEmulator) -> None:
    # PTB adds the poll's timeout to the request's read timeout; a 1 s poll must not
    # time out although the default read timeout is 0.5 s.
    async with make_bot(emu.root_url, read_timeout=0.5) as ptb_bot:
        assert await ptb_bot.get_updates(timeout=1) == ()


async def test_an_application_polls_and_replies_over_aiohttp(emu: BotApiEmulator) -> None:
    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"heard: {update.effective_message.text}")

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{emu.root_url}/bot")
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            person = emu.user(CHAT)
            await person.send("hello")
            reply = await person.wait_for_message()
        finally:
            await app.updater.stop()
            await app.stop()
    assert reply.text == "heard: hello"


async def test_429_is_retry_after(emu: BotApiEmulator, bot: Bot) -> None:
    emu.fail_next(CHAT, 429, retry_after=3)
    with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
        await bot.send_message(CHAT, "too soon")


async def test_403_is_forbidden(emu: BotApiEmulator, bot: Bot) -> None:
    emu.block(CHAT)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(CHAT, "anyone there?")


async def test_a_server_that_never_answers_times_out() -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # read nothing, answer nothing

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    ptb_bot = make_bot(f"http://127.0.0.1:{port}", read_timeout=0.3)
    try:
        with pytest.raises(TimedOut):
            await ptb_bot.initialize()  # calls getMe
    finally:
        await ptb_bot.shutdown()
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()
    assert accepted


async def test_a_refused_connection_is_a_network_error() -> None:
    # Bind a port, then close it: nothing listens there any more.
    server = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    ptb_bot = make_bot(f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(NetworkError) as caught:
            await ptb_bot.initialize()
    finally:
        await ptb_bot.shutdown()
    assert not isinstance(caught.value, TimedOut)


async def test_requests_before_initialize_or_after_shutdown_are_refused() -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/", "POST")
    async with request:
        pass
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/", "POST")
    await request.initialize()  # reopens after a shutdown, like HTTPXRequest
    await request.shutdown()


def test_read_timeout_is_the_default_one() -> None:
    assert AiohttpRequest(read_timeout=7).read_timeout == 7
    assert AiohttpRequest(read_timeout=None).read_timeout is None
    with pytest.raises(ValueError, match="pool"):
        AiohttpRequest(connection_pool_size=0)
