"""The test-facing API: simulated users and groups, waits, cursors and raw updates."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulator import BotApiEmulator, SentMessage
from tests.emulators import TOKEN


@pytest.fixture
async def api(emulator: BotApiEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{emulator.root_url}/bot{TOKEN}/") as client:
        yield client


async def bot_says(api: httpx.AsyncClient, chat_id: int, text: str, **extra: Any) -> Any:
    form = {"chat_id": str(chat_id), "text": text}
    form.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in extra.items()})
    body = (await api.post("sendMessage", data=form)).json()
    assert body["ok"], body
    return body["result"]


async def test_users_and_their_messages(emulator: BotApiEmulator, api: httpx.AsyncClient) -> None:
    sam = emulator.user(user_id=1001, first_name="Sam", language_code="en")
    assert emulator.user(1001) is sam and sam.chat == {
        "id": 1001,
        "type": "private",
        "first_name": "Sam",
    }
    sent = await sam.send("/start ref42")
    assert sent["from"] == {
        "id": 1001,
        "is_bot": False,
        "first_name": "Sam",
        "language_code": "en",
    }
    assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    location = await sam.send_location(48.1, 11.6, live_period=60)
    assert location["location"] == {"latitude": 48.1, "longitude": 11.6, "live_period": 60}
    sticker = await sam.send_raw_message(sticker={"file_id": "S", "type": "regular"})
    assert sticker["sticker"]["file_id"] == "S"
    ids = [u["update_id"] for u in emulator.pending_updates]
    assert ids == sorted(ids) and len(ids) == 3
    assert [u["message"]["message_id"] for u in emulator.pending_updates] == [1, 2, 3]
    reply = await bot_says(api, 1001, "hi Sam")
    assert reply["message_id"] == 4
    assert sam.last_message is not None and sam.last_message.text == "hi Sam"
    answer = await sam.send("reply!", reply_to=sam.last_message)
    assert answer["reply_to_message"]["text"] == "hi Sam"


async def test_wait_for_message_uses_the_chat_cursor(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    sam = emulator.user(1001, "Sam")
    await bot_says(api, 1001, "old news")
    await sam.send("question")
    # Answered before the test starts waiting: still found, because the user acted since.
    await bot_says(api, 1001, "fast answer")
    assert (await sam.wait_for_message()).text == "fast answer"
    waiting = asyncio.create_task(sam.wait_for_message(lambda m: "second" in (m.text or "")))
    await asyncio.sleep(0.01)
    await bot_says(api, 1001, "first")
    await bot_says(api, 1001, "second")
    assert (await waiting).text == "second"
    marker = sam.mark()
    await bot_says(api, 1001, "third")
    assert (await sam.wait_for_message(after=marker)).text == "third"
    everything = [m.text for m in sam.messages]
    assert everything == ["old news", "fast answer", "first", "second", "third"]
    assert (await sam.wait_for_message(after=0)).text == "old news"
    with pytest.raises(TimeoutError) as caught:
        await sam.wait_for_message(timeout=0.05)
    assert "third" in str(caught.value)


async def test_timeout_explains_recent_api_failures(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    sam = emulator.user(1001, "Sam")
    await api.post("sendMessage", data={"chat_id": "1001", "text": "<b>", "parse_mode": "HTML"})
    with pytest.raises(TimeoutError, match="can't parse entities"):
        await sam.wait_for_message(timeout=0.05)


async def test_wait_for_edit_and_call(emulator: BotApiEmulator, api: httpx.AsyncClient) -> None:
    sam = emulator.user(1001, "Sam")
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    first = await bot_says(api, 1001, "v1", reply_markup=markup)
    seen = await sam.wait_for_message()
    assert isinstance(seen, SentMessage) and seen.version == 0
    edit = asyncio.create_task(sam.wait_for_edit(seen, timeout=2))
    call = asyncio.create_task(emulator.wait_for_call("editMessageText"))
    await asyncio.sleep(0.01)
    await api.post(
        "editMessageText",
        data={"chat_id": "1001", "message_id": str(first["message_id"]), "text": "v2"},
    )
    new = await edit
    assert (new.text, new.version, new.buttons) == ("v2", 1, [])
    assert (await call).params["text"] == "v2"
    with pytest.raises(TimeoutError):
        await sam.wait_for_edit(new, timeout=0.05)
    with pytest.raises(TimeoutError):
        await emulator.wait_for_call("sendMessage", timeout=0.05)
    assert (await emulator.wait_for_call("sendMessage", after=0)).params["text"] == "v1"


async def test_callback_queries(emulator: BotApiEmulator, api: httpx.AsyncClient) -> None:
    sam = emulator.user(1001, "Sam")
    markup = {
        "inline_keyboard": [
            [{"text": "3", "callback_data": "rate:3"}, {"text": "Web", "url": "https://a.b"}]
        ]
    }
    await bot_says(api, 1001, "Rate", reply_markup=markup)
    message = sam.last_message
    assert message is not None and message.buttons == [("3", "rate:3"), ("Web", None)]
    query_id = await sam.press(message, "3")
    update = emulator.pending_updates[-1]["callback_query"]
    assert update["id"] == query_id and update["data"] == "rate:3"
    assert update["message"]["message_id"] == message.message_id
    with pytest.raises(ValueError, match="no callback_data"):
        await sam.press(message, "Web")
    assert emulator.callback_answer(query_id) is None
    waiting = asyncio.create_task(sam.wait_for_callback_answer(query_id, timeout=2))
    await api.post("answerCallbackQuery", data={"callback_query_id": query_id, "text": "Thanks"})
    assert (await waiting)["text"] == "Thanks"
    bogus = await api.post("answerCallbackQuery", data={"callback_query_id": "123"})
    assert bogus.status_code == 400


async def test_groups_and_privacy_mode(emulator: BotApiEmulator, api: httpx.AsyncClient) -> None:
    sam = emulator.user(1001, "Sam")
    friends = emulator.group(chat_id=-100123, title="Friends")
    small = emulator.group(-42, "Small")
    assert friends.chat["type"] == "supergroup" and small.chat["type"] == "group"
    await friends.send(from_user=sam, text="chatter")
    await friends.send(from_user=sam, text="/start@other_bot")
    await friends.send(from_user=sam, text="/start")
    await friends.send(from_user=sam, text="hey @attune_test_bot")
    mine = await bot_says(api, -100123, "I am here")
    await friends.send(from_user=sam, text="a reply", reply_to=mine["message_id"])
    delivered = [u["message"]["text"] for u in emulator.pending_updates]
    assert delivered == ["/start", "hey @attune_test_bot", "a reply"]
    query_id = await friends.press(mine["message_id"], callback_data="x", as_user=sam)
    assert emulator.pending_updates[-1]["callback_query"]["id"] == query_id
    assert emulator.pending_updates[-1]["callback_query"]["message"]["chat"]["id"] == -100123


async def test_blocking_and_keyboards(emulator: BotApiEmulator, api: httpx.AsyncClient) -> None:
    sam = emulator.user(1001, "Sam")
    emulator.block(1001)
    blocked = await api.post("sendMessage", data={"chat_id": "1001", "text": "x"})
    assert blocked.status_code == 403
    assert blocked.json()["description"] == "Forbidden: bot was blocked by the user"
    emulator.unblock(1001)
    keyboard = {"keyboard": [[{"text": "Share", "request_location": True}], [{"text": "Later"}]]}
    await bot_says(api, 1001, "Where?", reply_markup=keyboard)
    assert sam.reply_keyboard == keyboard
    tapped = await sam.tap_keyboard("Later")
    assert tapped["text"] == "Later"
    with pytest.raises(TypeError):
        await sam.tap_keyboard("Share")
    with pytest.raises(LookupError):
        await sam.tap_keyboard("Nope")
    await bot_says(api, 1001, "ok", reply_markup={"remove_keyboard": True})
    assert sam.reply_keyboard is None
