"""The emulator over plain HTTP: routing, encodings, errors and stateful methods."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
import pytest

from emulator import BotApiEmulator
from emulator.dispatch import validator
from tests.emulators import BOT_ID, TOKEN

PNG_640x480 = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    + (640).to_bytes(4, "big")
    + (480).to_bytes(4, "big")
    + b"\x08\x02\x00\x00\x00"
)


@pytest.fixture
async def api(emulator: BotApiEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{emulator.root_url}/bot{TOKEN}/") as client:
        yield client


async def call(api: httpx.AsyncClient, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    """POST form-encoded like PTB: strings raw, everything else JSON-encoded."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    response = await api.post(method, data=form)
    return response.status_code, response.json()


async def ok(api: httpx.AsyncClient, method: str, **params: Any) -> Any:
    status, body = await call(api, method, **params)
    assert status == 200 and body["ok"], body
    return body["result"]


async def test_routing_token_and_unknown_methods(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    assert emulator.root_url.startswith("http://127.0.0.1:")
    async with httpx.AsyncClient() as client:
        wrong = await client.post(f"{emulator.root_url}/bot999:nope/getMe")
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    status, body = await call(api, "fooBar")
    assert (status, body["description"]) == (404, "Not Found")
    me = (await api.get("GETME")).json()["result"]
    assert me["id"] == BOT_ID and me["is_bot"] and me["username"] == "attune_test_bot"
    assert [c.method for c in emulator.calls] == ["getMe", "fooBar", "getMe"]
    assert [c.error_code for c in emulator.calls] == [401, 404, None]


async def test_every_encoding_is_accepted(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    emulator.user(1001, "Sam")
    by_query = (await api.get("sendMessage", params={"chat_id": "1001", "text": "q"})).json()
    by_json = (await api.post("sendMessage", json={"chat_id": 1001, "text": "j"})).json()
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    by_json_markup = (
        await api.post(
            "sendMessage", json={"chat_id": "1001", "text": "m", "reply_markup": markup}
        )
    ).json()
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{emulator.root_url}/bot{TOKEN}/sendMessage",
            data=aiohttp.FormData({"chat_id": "1001", "text": "f"}),
        ) as response,
    ):
        by_form = await response.json()
    assert [r["result"]["text"] for r in (by_query, by_json, by_json_markup, by_form)] == [
        "q",
        "j",
        "m",
        "f",
    ]
    assert by_json_markup["result"]["reply_markup"] == markup
    assert [m.message_id for m in emulator.user(1001).messages] == [1, 2, 3, 4]


async def test_validation_errors(emulator: BotApiEmulator, api: httpx.AsyncClient) -> None:
    emulator.user(1001, "Sam")
    assert await call(api, "sendMessage", text="hi") == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: chat_id is empty"},
    )
    status, body = await call(api, "sendMessage", chat_id=1001, text="x" * 4097)
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    assert (await ok(api, "sendMessage", chat_id=1001, text="x" * 4096))["text"] == "x" * 4096
    assert (await ok(api, "sendMessage", chat_id=1001, text="👍" * 2048))["message_id"] == 2
    status, body = await call(api, "sendMessage", chat_id=1001, text="👍" * 2049)
    assert body["description"] == "Bad Request: message is too long"
    status, body = await call(api, "sendMessage", chat_id=1001, text="  \n ")
    assert body["description"] == "Bad Request: message text is empty"
    assert (await ok(api, "sendMessage", chat_id=1001, text="<b>x</b>" * 1000, parse_mode="HTML"))[
        "text"
    ] == "x" * 1000
    for size, expected in ((64, 200), (65, 400)):
        markup = {"inline_keyboard": [[{"text": "b", "callback_data": "d" * size}]]}
        status, body = await call(api, "sendMessage", chat_id=1001, text="k", reply_markup=markup)
        assert status == expected, body
    assert body["description"] == "Bad Request: BUTTON_DATA_INVALID"
    status, body = await call(api, "sendMessage", chat_id=42, text="nobody")
    assert body["description"] == "Bad Request: chat not found"
    status, body = await call(api, "sendMessage", chat_id="1001", text="<b>x", parse_mode="HTML")
    assert body["description"].startswith("Bad Request: can't parse entities:")
    failed = emulator.errors[-1]
    assert failed.method == "sendMessage" and failed.params["text"] == "<b>x"


async def test_edit_and_delete_semantics(emulator: BotApiEmulator, api: httpx.AsyncClient) -> None:
    sam = emulator.user(1001, "Sam")
    markup = {"inline_keyboard": [[{"text": "1", "callback_data": "one"}]]}
    sent = await ok(api, "sendMessage", chat_id=1001, text="v1", reply_markup=markup)
    mid = sent["message_id"]
    status, body = await call(
        api, "editMessageText", chat_id=1001, message_id=mid, text="v1", reply_markup=markup
    )
    assert status == 400 and body["description"].startswith(
        "Bad Request: message is not modified: "
    )
    edited = await ok(api, "editMessageText", chat_id=1001, message_id=mid, text="v2")
    assert edited["text"] == "v2" and "reply_markup" not in edited and edited["edit_date"]
    again = await ok(
        api, "editMessageReplyMarkup", chat_id=1001, message_id=mid, reply_markup=markup
    )
    assert again["reply_markup"] == markup and again["text"] == "v2"
    current = sam.last_message
    assert current is not None and current.text == "v2" and current.buttons == [("1", "one")]
    assert [version["text"] for version in current.edits] == ["v1", "v2"]
    status, body = await call(api, "editMessageText", chat_id=1001, message_id=99, text="x")
    assert body["description"] == "Bad Request: message to edit not found"
    user_message = await sam.send("mine")
    status, body = await call(
        api, "editMessageText", chat_id=1001, message_id=user_message["message_id"], text="x"
    )
    assert body["description"] == "Bad Request: message can't be edited"
    assert await ok(api, "deleteMessage", chat_id=1001, message_id=mid) is True
    status, body = await call(api, "deleteMessage", chat_id=1001, message_id=mid)
    assert body["description"] == "Bad Request: message to delete not found"
    assert sam.messages == []


async def test_uploads_are_recorded(emulator: BotApiEmulator, api: httpx.AsyncClient) -> None:
    sam = emulator.user(1001, "Sam")
    response = await api.post(
        "sendDocument",
        data={"chat_id": "1001", "caption": "<i>report</i>", "parse_mode": "HTML"},
        files={"document": ("report.csv", b"a,b\n1,2\n", "text/csv")},
    )
    document = response.json()["result"]["document"]
    assert document["file_name"] == "report.csv" and document["mime_type"] == "text/csv"
    assert document["file_size"] == 8
    assert emulator.file_content(document["file_id"]) == b"a,b\n1,2\n"
    upload = emulator.calls_to("sendDocument")[0].params["document"]
    assert (upload.filename, upload.content) == ("report.csv", b"a,b\n1,2\n")
    assert sam.last_message is not None and sam.last_message.caption == "report"
    resent = await ok(api, "sendDocument", chat_id=1001, document=document["file_id"])
    assert resent["document"]["file_id"] == document["file_id"]
    photo = await api.post(
        "sendPhoto", data={"chat_id": "1001"}, files={"photo": ("p.png", PNG_640x480, "image/png")}
    )
    sizes = photo.json()["result"]["photo"]
    assert (sizes[-1]["width"], sizes[-1]["height"]) == (640, 480)
    assert sizes[0]["width"] == 90
    broken = await api.post(
        "sendPhoto", data={"chat_id": "1001"}, files={"photo": ("p.png", b"nope", "image/png")}
    )
    assert broken.json()["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    status, body = await call(api, "sendPhoto", chat_id=1001, photo="no-such-file-id")
    assert (status, body["description"]) == (
        400,
        "Bad Request: wrong file identifier/HTTP URL specified",
    )


async def test_long_poll_returns_promptly_and_respects_offset(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    sam = emulator.user(1001, "Sam")
    started = time.monotonic()
    poll = asyncio.create_task(call(api, "getUpdates", timeout=30))
    await asyncio.sleep(0.05)
    await sam.send("/start")
    status, body = await poll
    assert status == 200 and time.monotonic() - started < 2
    first = body["result"]
    assert [u["message"]["text"] for u in first] == ["/start"]
    assert first[0]["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    await sam.send("a")
    await sam.send("b")
    unconfirmed = await ok(api, "getUpdates")
    assert [u["message"]["text"] for u in unconfirmed] == ["/start", "a", "b"]
    limited = await ok(api, "getUpdates", offset=first[0]["update_id"] + 1, limit=1)
    assert [u["message"]["text"] for u in limited] == ["a"]
    rest = await ok(api, "getUpdates", offset=limited[0]["update_id"] + 1)
    assert [u["message"]["text"] for u in rest] == ["b"]
    assert await ok(api, "getUpdates", offset=rest[0]["update_id"] + 1, timeout=0) == []
    ids = [u["update_id"] for u in first + limited + rest]
    assert ids == sorted(ids) and len(set(ids)) == 3


async def test_allowed_updates_and_raw_updates(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    sam = emulator.user(1001, "Sam")
    await ok(api, "getUpdates", allowed_updates=["callback_query"])
    await sam.send("filtered out")
    custom = emulator.push_update({"callback_query": {"id": "x"}, "update_id": 999})
    assert [u["update_id"] for u in await ok(api, "getUpdates")] == [custom["update_id"]]
    await ok(api, "getUpdates", offset=custom["update_id"] + 1, allowed_updates=[])
    emulator.push_update({"message_reaction": {}})
    exotic = emulator.push_update({"brand_new_kind": {"x": 1}})
    assert await ok(api, "getUpdates") == [exotic]
    assert exotic["update_id"] > custom["update_id"]


async def test_webhook_and_commands_are_stored(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    status, body = await call(api, "setWebhook", url="ftp://example.org/hook")
    assert (
        status == 400
        and body["description"] == "Bad Request: bad webhook: Unsupported URL protocol"
    )
    status, body = await call(api, "setWebhook", url="https://example.org", secret_token="a b")
    assert status == 400
    await ok(api, "setWebhook", url="http://example.org:8080/hook", max_connections=500)
    assert (await ok(api, "getWebhookInfo"))["max_connections"] == 100
    await ok(api, "setWebhook", url="https://example.org/hook", secret_token="s3cret")
    info = await ok(api, "getWebhookInfo")
    assert info["url"] == "https://example.org/hook" and info["pending_update_count"] == 0
    assert info["max_connections"] == 40 and emulator.webhook["secret_token"] == "s3cret"
    status, body = await call(api, "getUpdates")
    assert status == 409
    await ok(api, "deleteWebhook", drop_pending_updates=True)
    assert await ok(api, "getUpdates") == []
    commands = [{"command": "start", "description": "Begin"}]
    await ok(api, "setMyCommands", commands=commands)
    await ok(api, "setMyCommands", commands=[], language_code="de")
    assert await ok(api, "getMyCommands") == commands
    assert emulator.commands() == commands
    status, body = await call(
        api, "setMyCommands", commands=[{"command": "Start", "description": "x"}]
    )
    assert body["description"] == "Bad Request: BOT_COMMAND_INVALID"


async def test_other_methods(emulator: BotApiEmulator, api: httpx.AsyncClient) -> None:
    sam = emulator.user(1001, "Sam")
    group = emulator.group(-100123, "Friends")
    assert await ok(api, "sendChatAction", chat_id=1001, action="typing") is True
    status, body = await call(api, "sendChatAction", chat_id=1001, action="dancing")
    assert status == 400
    assert sam.chat_actions == ["typing"]
    chat = await ok(api, "getChat", chat_id=-100123)
    assert chat["type"] == "supergroup" and chat["title"] == "Friends"
    assert await ok(api, "leaveChat", chat_id=group.chat_id) is True
    status, body = await call(api, "sendMessage", chat_id=-100123, text="hello?")
    assert status == 403
    assert body["description"] == "Forbidden: bot is not a member of the supergroup chat"
    assert await ok(api, "setMyDescription", description="spec says True") is True
    status, body = await call(api, "sendPoll", chat_id=1001, question="q", options=[{"text": "a"}])
    assert body["description"] == "Bad Request: method not emulated"


async def test_results_conform_to_the_spec(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    sam = emulator.user(1001, "Sam", last_name="Lee", username="sam")
    markup = {"inline_keyboard": [[{"text": "1", "callback_data": "one"}]]}
    sent = await ok(api, "sendMessage", chat_id=1001, text="<b>hi</b>", parse_mode="HTML")
    await ok(api, "editMessageText", chat_id=1001, message_id=sent["message_id"], text="e")
    await ok(api, "sendMessage", chat_id=1001, text="k", reply_markup=markup)
    await sam.press(sam.messages[-1], "1")
    await sam.send_location(52.5, 13.4)
    emulator.block(1001)
    emulator.unblock(1001)
    checks = [
        ("User", await ok(api, "getMe")),
        ("ChatFullInfo", await ok(api, "getChat", chat_id=1001)),
    ]
    checks += [("Update", update) for update in await ok(api, "getUpdates")]
    checks += [
        ("Message", c.result) for c in emulator.calls if c.method.startswith(("send", "edit"))
    ]
    checks.append(("WebhookInfo", await ok(api, "getWebhookInfo")))
    for type_name, value in checks:
        validator().check(type_name, value)


async def test_many_messages_are_cheap(emulator: BotApiEmulator, api: httpx.AsyncClient) -> None:
    sam = emulator.user(1001, "Sam")
    started = time.monotonic()
    for index in range(300):
        await ok(api, "sendMessage", chat_id=1001, text=f"message {index}")
    assert time.monotonic() - started < 5
    assert len(sam.messages) == 300 and len({m.message_id for m in sam.messages}) == 300


async def test_a_tally_counts_a_chats_requests_and_which_are_messages(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    sam, kim = emulator.user(user_id=71), emulator.user(user_id=72)
    await ok(api, "sendMessage", chat_id=kim.chat_id, text="Kim's")
    mark = len(emulator.calls)
    sent = await ok(api, "sendMessage", chat_id=sam.chat_id, text="Hello")
    query = await sam.press(sent["message_id"], callback_data="x")
    await ok(api, "answerCallbackQuery", callback_query_id=query)
    await ok(api, "editMessageText", chat_id=sam.chat_id, message_id=sent["message_id"], text="Hi")
    await ok(api, "sendChatAction", chat_id=sam.chat_id, action="typing")
    await ok(api, "getMe")
    await call(api, "sendMessage", chat_id=sam.chat_id, text="")  # refused, still a request

    got = emulator.tally(sam.chat_id, after=mark)
    assert got.methods == {
        "sendMessage": 2,
        "answerCallbackQuery": 1,
        "editMessageText": 1,
        "sendChatAction": 1,
    }
    # A chat action and a callback answer count against no sending limit.
    assert (got.requests, got.messages) == (5, 3)
    assert emulator.tally(kim.chat_id, after=mark).requests == 0
    assert emulator.tally({sam.chat_id, kim.chat_id}).requests == 6


async def test_a_person_sends_a_file_and_the_bot_fetches_it(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    sam = emulator.user(1001, "Sam")
    await sam.send_document(b'{"a": 1}', "data.json", caption="/import", mime_type="")
    [update] = await ok(api, "getUpdates")
    validator().check("Update", update)
    message = update["message"]
    assert message["caption_entities"] == [{"type": "bot_command", "offset": 0, "length": 7}]
    document = message["document"]
    assert (document["file_name"], document["mime_type"]) == ("data.json", "application/json")
    assert document["file_size"] == 8

    found = await ok(api, "getFile", file_id=document["file_id"])
    validator().check("File", found)
    assert found["file_size"] == 8
    async with httpx.AsyncClient() as plain:
        fetched = await plain.get(f"{emulator.root_url}/file/bot{TOKEN}/{found['file_path']}")
        assert (fetched.status_code, fetched.content) == (200, b'{"a": 1}')
        wrong_token = await plain.get(f"{emulator.root_url}/file/bot1:x/{found['file_path']}")
        never_given = await plain.get(f"{emulator.root_url}/file/bot{TOKEN}/documents/nope")
    assert wrong_token.status_code == never_given.status_code == 404

    status, body = await call(api, "getFile", file_id="no-such-file")
    assert (status, body["description"]) == (
        400,
        "Bad Request: wrong file_id or the file is temporarily unavailable",
    )
    await sam.send_document(b"x" * (20 * 1024 * 1024 + 1), "big.json")
    updates = await ok(api, "getUpdates", offset=update["update_id"] + 1)
    big = updates[0]["message"]["document"]
    status, body = await call(api, "getFile", file_id=big["file_id"])
    assert (status, body["description"]) == (400, "Bad Request: file is too big")
