"""Webhook delivery: the emulator POSTs pending updates to the webhook the way Telegram does."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from emulator import BotApiEmulator, WebhookDelivery
from tests.emulator.receiver import Receiver, chat_of, free_port
from tests.emulators import TOKEN

NOW = 1_700_000_000.0
# A fixed clock and fast retries, unless a test asks for other options.
pytestmark = pytest.mark.emulator(
    clock=lambda: NOW, webhook_retry_min=0.01, webhook_retry_max=0.05
)


@pytest.fixture
async def api(emulator: BotApiEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{emulator.root_url}/bot{TOKEN}/") as client:
        yield client


@pytest.fixture
async def receivers() -> AsyncIterator[Callable[..., Any]]:
    """Start receivers on demand (``await receivers(answers=[403])``); all stop at the end."""
    started: list[Receiver] = []

    async def start(port: int = 0, **script: Any) -> Receiver:
        receiver = Receiver(**script)
        await receiver.start(port)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        await receiver.stop()


async def ok(api: httpx.AsyncClient, method: str, **params: Any) -> Any:
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    body = (await api.post(method, data=form)).json()
    assert body["ok"], body
    return body["result"]


async def delivered(emulator: BotApiEmulator, update_id: int) -> WebhookDelivery:
    return await emulator.wait_for_delivery(lambda d: d.ok and d.update_id == update_id, after=0)


async def drained(emulator: BotApiEmulator) -> None:
    """Wait until every pending update has been confirmed."""
    empty = await emulator.state.notifier.wait_until(
        lambda: not emulator.pending_updates or None, 5.0
    )
    assert empty, emulator.pending_updates


async def test_updates_are_posted_as_json_with_the_secret_header(
    emulator: BotApiEmulator, api: httpx.AsyncClient, receivers: Callable[..., Any]
) -> None:
    receiver = await receivers()
    url = f"{receiver.url}/hook?replica=1"
    assert await ok(api, "setWebhook", url=url, secret_token="s3cret_-X") is True
    sam = emulator.user(1001, "Sam")
    await sam.send("hello")
    update = emulator.pending_updates[-1]
    delivery = await delivered(emulator, update["update_id"])
    assert delivery == WebhookDelivery(update["update_id"], 1001, url, 200, None, NOW)
    [got] = receiver.received
    assert got.body == update and got.path_qs == "/hook?replica=1"
    assert got.headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret_-X"
    assert got.headers["Content-Type"] == "application/json"
    info = await ok(api, "getWebhookInfo")
    assert info == {
        "url": url,
        "has_custom_certificate": False,
        "pending_update_count": 0,
        "max_connections": 40,
    }
    await ok(api, "setWebhook", url=url)
    await sam.send("again")
    await delivered(emulator, emulator.pending_updates[-1]["update_id"])
    assert "X-Telegram-Bot-Api-Secret-Token" not in receiver.received[-1].headers


@pytest.mark.parametrize(
    ("answers", "last_error"),
    [
        ([403], "Wrong response from the webhook: 403 Forbidden"),
        ([500, 404], "Wrong response from the webhook: 404 Not Found"),
        ([302], "Wrong response from the webhook: 302 Found"),
    ],
)
async def test_other_answers_keep_the_update_and_it_is_retried(
    emulator: BotApiEmulator,
    api: httpx.AsyncClient,
    receivers: Callable[..., Any],
    answers: list[int],
    last_error: str,
) -> None:
    receiver = await receivers(answers=answers)
    await ok(api, "setWebhook", url=f"{receiver.url}/hook")
    update = emulator.push_update({"message": {"chat": {"id": 7}, "text": "x"}})
    failed = await emulator.wait_for_delivery(lambda d: d.status == answers[-1], after=0)
    assert failed.error == last_error and not failed.ok
    info = await ok(api, "getWebhookInfo")
    assert info["last_error_message"] == last_error and info["last_error_date"] == int(NOW)
    await delivered(emulator, update["update_id"])
    assert [d.status for d in emulator.webhook_deliveries] == [*answers, 200]
    assert receiver.update_ids == [update["update_id"]] * (len(answers) + 1)
    info = await ok(api, "getWebhookInfo")
    assert info["pending_update_count"] == 0 and info["last_error_message"] == last_error


@pytest.mark.emulator(webhook_retry_min=0.1, webhook_retry_max=0.2)
async def test_retries_back_off_doubling_up_to_the_maximum(
    emulator: BotApiEmulator, api: httpx.AsyncClient, receivers: Callable[..., Any]
) -> None:
    receiver = await receivers(answers=[500, 500, 500])
    await ok(api, "setWebhook", url=receiver.url)
    update = emulator.push_update({"message": {"chat": {"id": 7}, "text": "x"}})
    times: list[float] = []
    for attempt in range(4):
        found = await emulator.wait_for_delivery(after=attempt)
        times.append(time.monotonic())
        assert found.ok == (attempt == 3)
    assert emulator.webhook_deliveries[-1].update_id == update["update_id"]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert 0.09 <= gaps[0] < 0.18 and gaps[1] >= 0.19 and 0.19 <= gaps[2] < 0.35, gaps


async def test_connection_refused_is_retried_until_the_webhook_listens(
    emulator: BotApiEmulator, api: httpx.AsyncClient, receivers: Callable[..., Any]
) -> None:
    port = free_port()
    await ok(api, "setWebhook", url=f"http://127.0.0.1:{port}/hook")
    update = emulator.push_update({"message": {"chat": {"id": 7}, "text": "x"}})
    failed = await emulator.wait_for_delivery(after=0)
    assert (failed.status, failed.error) == (None, "Connection refused")
    info = await ok(api, "getWebhookInfo")
    assert info["last_error_message"] == "Connection refused"
    assert info["pending_update_count"] == 1
    receiver = await receivers(port=port)
    await delivered(emulator, update["update_id"])
    assert receiver.update_ids == [update["update_id"]]
    assert (await ok(api, "getWebhookInfo"))["pending_update_count"] == 0


@pytest.mark.emulator(webhook_timeout=0.2, webhook_retry_min=0.01)
async def test_a_slow_webhook_times_out_and_the_update_is_sent_again(
    emulator: BotApiEmulator, api: httpx.AsyncClient, receivers: Callable[..., Any]
) -> None:
    receiver = await receivers(delays=[2.0])
    await ok(api, "setWebhook", url=receiver.url)
    update = emulator.push_update({"message": {"chat": {"id": 7}, "text": "x"}})
    await delivered(emulator, update["update_id"])
    assert [d.error for d in emulator.webhook_deliveries] == ["Read timeout expired", None]
    assert (await ok(api, "getWebhookInfo"))["last_error_message"] == "Read timeout expired"


async def test_each_chat_in_order_one_at_a_time_within_max_connections(
    emulator: BotApiEmulator, api: httpx.AsyncClient, receivers: Callable[..., Any]
) -> None:
    # update_ids are 1..20, chats take turns: chat 1 gets 1, 6, 11, 16; chat 3 gets 3, 8, ...
    receiver = await receivers(delay=0.02, fail_once=[6, 3])
    await ok(api, "setWebhook", url=receiver.url, max_connections=3)
    people = [emulator.user(chat_id, f"P{chat_id}") for chat_id in range(1, 6)]
    for round_ in range(4):
        for person in people:
            await person.send(f"message {round_}")
    chatless = emulator.push_update({"poll": {"id": "1", "question": "?", "options": []}})
    await drained(emulator)
    assert receiver.peak == 3 and receiver.overlaps == []
    assert sorted(set(receiver.update_ids)) == list(range(1, chatless["update_id"] + 1))
    for person in people:
        arrivals = [
            r.body["update_id"] for r in receiver.received if chat_of(r.body) == person.chat_id
        ]
        expected = list(range(person.chat_id, 21, 5))
        retried = [u for u in [3, 6] if u in expected]
        assert arrivals == sorted(expected + retried), (person.chat_id, arrivals)
    assert len([d for d in emulator.webhook_deliveries if d.ok]) == 21


async def test_allowed_updates_are_respected(
    emulator: BotApiEmulator, api: httpx.AsyncClient, receivers: Callable[..., Any]
) -> None:
    receiver = await receivers()
    kinds = ["message_reaction", "callback_query"]
    await ok(api, "setWebhook", url=receiver.url, allowed_updates=kinds)
    assert (await ok(api, "getWebhookInfo"))["allowed_updates"] == sorted(kinds)
    emulator.push_update({"message": {"chat": {"id": 7}, "text": "not wanted"}})
    press = emulator.push_update({"callback_query": {"id": "q", "from": {"id": 7}, "data": "d"}})
    reaction = emulator.push_update({"message_reaction": {"chat": {"id": 7}, "message_id": 1}})
    await drained(emulator)
    assert receiver.update_ids == [press["update_id"], reaction["update_id"]]
    assert [list(r.body)[1] for r in receiver.received] == ["callback_query", "message_reaction"]


async def test_delete_webhook_stops_delivery_and_get_updates_works_again(
    emulator: BotApiEmulator, api: httpx.AsyncClient, receivers: Callable[..., Any]
) -> None:
    receiver = await receivers(status=500)
    await ok(api, "setWebhook", url=receiver.url)
    first = emulator.push_update({"message": {"chat": {"id": 7}, "text": "one"}})
    await emulator.wait_for_delivery(after=2)  # three failed attempts
    status = (await api.post("getUpdates")).status_code
    assert status == 409
    info = await ok(api, "getWebhookInfo")
    assert info["pending_update_count"] == 1
    assert (
        info["last_error_message"] == "Wrong response from the webhook: 500 Internal Server Error"
    )
    assert await ok(api, "deleteWebhook") is True
    await asyncio.sleep(0.1)  # let a request in flight finish
    seen = len(receiver.received)
    second = emulator.push_update({"message": {"chat": {"id": 8}, "text": "two"}})
    await asyncio.sleep(0.2)  # several retry intervals: nothing more may arrive
    assert len(receiver.received) == seen
    assert await ok(api, "getWebhookInfo") == {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": 2,
    }
    assert await ok(api, "getUpdates") == [first, second]


@pytest.mark.emulator(webhook_retry_min=30.0, webhook_retry_max=30.0)
async def test_setting_a_new_url_switches_delivery_at_once(
    emulator: BotApiEmulator, api: httpx.AsyncClient, receivers: Callable[..., Any]
) -> None:
    old = await receivers(status=503)
    new = await receivers()
    await ok(api, "setWebhook", url=old.url)
    update = emulator.push_update({"message": {"chat": {"id": 7}, "text": "x"}})
    await emulator.wait_for_delivery(after=0)
    await ok(api, "setWebhook", url=new.url)
    # Not after the old webhook's 30 s backoff: a new webhook is tried right away.
    delivery = await emulator.wait_for_delivery(lambda d: d.ok, timeout=2.0, after=0)
    assert delivery.url == new.url and new.update_ids == [update["update_id"]]
    assert "last_error_message" not in await ok(api, "getWebhookInfo")
    assert old.update_ids == [update["update_id"]]


async def test_stopping_the_emulator_ends_delivery_cleanly(
    receivers: Callable[..., Any],
) -> None:
    receiver = await receivers(delay=30.0)
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    async with httpx.AsyncClient(base_url=f"{emulator.root_url}/bot{TOKEN}/") as api:
        await ok(api, "setWebhook", url=receiver.url)
    emulator.push_update({"message": {"chat": {"id": 7}, "text": "x"}})
    await asyncio.wait_for(receiver.arrived.wait(), 5)
    started = time.monotonic()
    await emulator.stop()
    assert time.monotonic() - started < 1.5
    leftover = [t for t in asyncio.all_tasks() if t.get_name().startswith("emulator-webhook")]
    assert leftover == [] and emulator.internal_errors == []
    assert len(emulator.pending_updates) == 1 and emulator.webhook_deliveries == []


async def test_a_method_in_the_answer_is_run_validated_and_counted_apart(
    emulator: BotApiEmulator, api: httpx.AsyncClient, receivers: Callable[..., Any]
) -> None:
    sam = emulator.user(1001, "Sam")
    sent = await ok(api, "sendMessage", chat_id=1001, text="Pick")
    presses = [await sam.press(sent["message_id"], callback_data="x") for _ in range(3)]
    carried = [
        {"method": "answerCallbackQuery", "callback_query_id": presses[0], "text": "Saved"},
        # Against the spec: a toast over 200 characters.
        {"method": "answerCallbackQuery", "callback_query_id": presses[1], "text": "x" * 201},
        {"method": "sendMessage", "chat_id": 1001, "text": "Carried words"},
    ]
    receiver = await receivers(carry=carried)
    mark = len(emulator.calls)
    await ok(api, "setWebhook", url=receiver.url)
    await drained(emulator)

    assert [d.ok for d in emulator.webhook_deliveries] == [True] * 3  # an error changes nothing
    assert emulator.callback_answer(presses[0]) == {
        "callback_query_id": presses[0],
        "text": "Saved",
    }
    assert emulator.callback_answer(presses[1]) is None
    assert emulator.callback_answer(presses[2]) is None
    assert sam.messages[-1].text == "Carried words"
    calls = [(c.method, c.carried, c.ok, c.error_code) for c in emulator.calls[mark + 1 :]]
    assert calls == [
        ("answerCallbackQuery", True, True, None),
        ("answerCallbackQuery", True, False, 400),
        ("sendMessage", True, True, None),
    ]
    cost = emulator.tally(sam.chat_id, after=mark)
    assert (dict(cost.methods), dict(cost.carried)) == (
        {},
        {"answerCallbackQuery": 2, "sendMessage": 1},
    )
    assert (cost.requests, cost.messages) == (0, 1)  # a carried send still counts on the limits
    assert emulator.internal_errors == []


async def test_only_a_2xx_json_answer_naming_a_method_carries_one(
    emulator: BotApiEmulator, api: httpx.AsyncClient, receivers: Callable[..., Any]
) -> None:
    sam = emulator.user(1001, "Sam")
    sent = await ok(api, "sendMessage", chat_id=1001, text="Pick")
    press = await sam.press(sent["message_id"], callback_data="x")
    call = {"method": "answerCallbackQuery", "callback_query_id": press}
    # A refused update's answer is not run; nor is JSON without a method, or a list.
    receiver = await receivers(answers=[500], carry=[call, {"text": "hi"}, [call]])
    mark = len(emulator.calls)
    await ok(api, "setWebhook", url=receiver.url)
    await drained(emulator)
    pushed = emulator.push_update({"message": {"chat": {"id": 7}, "text": "x"}})
    await delivered(emulator, pushed["update_id"])

    assert [d.status for d in emulator.webhook_deliveries] == [500, 200, 200]
    assert [c.method for c in emulator.calls[mark:]] == ["setWebhook"]
    assert emulator.callback_answer(press) is None
