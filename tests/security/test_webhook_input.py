"""Finding 6: whatever arrives at the webhook, the answer is 400 or 403 (never 500) and the
log says so in one line, without a traceback; nothing is handled or stored."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import AttuneApp
from emulator import BotApiEmulator
from store.models import User
from tests.e2e.db import count
from tests.e2e.harness import FakeClock, make_settings, serving

SECRET = "s3cret-for-the-webhook-test_0123456789abcdef"
PATH = "/telegram/updates"


def _update(update_id: object = 1) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_790_000_000,
            "chat": {"id": 6099, "type": "private", "first_name": "Eve"},
            "from": {"id": 6099, "is_bot": False, "first_name": "Eve"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


def _nested(depth: int) -> object:
    inner: object = {}
    for _ in range(depth):
        inner = {"x": inner}
    return inner


# Each is sent with the right secret; none is an update.
NOT_UPDATES = {
    "null": b"null",
    "a list": b"[]",
    "a number": b"1",
    "a string": b'"x"',
    "not JSON": b"{not json",
    "not UTF-8": b'{"update_id": 1, "x": "\xff\xfe"}',
    "an empty object": b"{}",
    "no update_id": json.dumps({"message": _update()["message"]}).encode(),
    "a text update_id": json.dumps(_update("x")).encode(),
    "a true update_id": json.dumps(_update(True)).encode(),
    "a message that is text": json.dumps({"update_id": 2, "message": "hello"}).encode(),
    "a message without fields": json.dumps({"update_id": 3, "message": {"x": 1}}).encode(),
    "nested past the parser": b"[" * 100_000 + b"]" * 100_000,
    "nested past the limit": json.dumps({"update_id": 4, "message": _nested(100)}).encode(),
    "over the size limit": json.dumps({**_update(5), "pad": "x" * (2 << 20)}).encode(),
}


@pytest.fixture
async def webhook(
    emulator: BotApiEmulator, clock: FakeClock, tmp_path: Path
) -> AsyncIterator[tuple[AttuneApp, int, str]]:
    """The bot in webhook mode: the application, its port and its database."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}"
    settings = make_settings(
        emulator.root_url,
        database_url,
        ATTUNE_MODE="webhook",
        ATTUNE_HTTP_PORT=port,
        ATTUNE_WEBHOOK_URL=f"http://127.0.0.1:{port}{PATH}",
        ATTUNE_WEBHOOK_SECRET=SECRET,
    )
    async with serving(settings, clock) as (app, _runtime):
        yield app, port, database_url


async def post(port: int, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    """One raw HTTP POST (header bytes exactly as given); the status it got."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = [b"POST " + PATH.encode() + b" HTTP/1.1", b"Host: 127.0.0.1"]
        head += [name + b": " + value for name, value in headers]
        head += [b"Content-Type: application/json", b"Content-Length: %d" % len(body)]
        head += [b"Connection: close"]
        writer.write(b"\r\n".join(head) + b"\r\n\r\n")
        try:
            writer.write(body)
            await writer.drain()
        except ConnectionError:  # refused before the whole body was read
            pass
        status_line = await reader.readline()
        return int(status_line.split()[1])
    finally:
        writer.close()


def _one_line_each(records: list[logging.LogRecord]) -> None:
    for record in records:
        assert record.exc_info is None and record.exc_text is None, record.getMessage()
        assert "\n" not in record.getMessage(), record.getMessage()
        assert "Traceback" not in record.getMessage()


@pytest.mark.parametrize(
    "secret",
    [b"\xff\xfe not UTF-8", SECRET.encode()[:-1] + b"\xe9", b"", SECRET.encode()[:-1]],
    ids=["latin-1", "almost, not UTF-8", "empty", "one short"],
)
async def test_a_wrong_secret_of_any_bytes_is_refused(
    webhook: tuple[AttuneApp, int, str], caplog: pytest.LogCaptureFixture, secret: bytes
) -> None:
    _app, port, database_url = webhook
    caplog.set_level(logging.INFO)
    caplog.clear()
    header = b"X-Telegram-Bot-Api-Secret-Token"
    status = await post(port, [(header, secret)], json.dumps(_update()).encode())
    assert status in (401, 403)
    _one_line_each(caplog.records)
    assert await count(database_url, User) == 0


@pytest.mark.parametrize("body", NOT_UPDATES.values(), ids=NOT_UPDATES.keys())
async def test_what_is_not_an_update_gets_400_and_one_line(
    webhook: tuple[AttuneApp, int, str],
    emulator: BotApiEmulator,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
) -> None:
    _app, port, database_url = webhook
    caplog.set_level(logging.INFO)
    caplog.clear()
    headers = [(b"X-Telegram-Bot-Api-Secret-Token", SECRET.encode())]
    assert await post(port, headers, body) == 400
    _one_line_each(caplog.records)
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(said) == 1 and "not an update" in said[0], said
    # The bot still takes real updates, and nothing of the refused one was done.
    assert await post(port, headers, json.dumps(_update(10)).encode()) == 200
    assert await count(database_url, User) == 1
    assert [c for c in emulator.calls if c.params.get("chat_id") == 6099]
