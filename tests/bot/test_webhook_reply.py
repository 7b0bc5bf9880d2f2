"""The one call a webhook's answer carries: the first answer to the update's own button
press, only while its slot is open; a second answer, and everything in long polling, goes
as a request; a stop's 503 carries nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from telegram import Bot, Update

from bot.flood import FloodGuard
from bot.handlers.common import answer
from bot.intake import UpdateIntake
from bot.rate_limit import ChatRateLimiter
from bot.web import Status, web_application
from bot.webhook_reply import ReplySlot, carry_answer, carrying
from emulator import BotApiEmulator
from emulator.loopback import listen_on_loopback
from tests.emulators import TOKEN

SECRET = "s3cret-for-the-webhook-reply-test_0123456789"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


PERSON = {"id": 5001, "is_bot": False, "first_name": "Sam"}
MESSAGE = {"message_id": 1, "date": 1_790_000_000, "chat": {"id": 5001, "type": "private"}}


def _press(update_id: int, query_id: str) -> dict[str, Any]:
    press = {"id": query_id, "from": PERSON, "message": MESSAGE, "chat_instance": "1"}
    return {"update_id": update_id, "callback_query": {**press, "data": "x"}}


def _message(update_id: int) -> dict[str, Any]:
    return {"update_id": update_id, "message": {**MESSAGE, "from": PERSON, "text": "hello"}}


def test_without_a_slot_an_answer_goes_as_a_request() -> None:
    # Long polling: no slot is ever open.
    assert not carry_answer("q1", "Saved", show_alert=False)


def test_the_first_answer_fills_the_slot_and_a_second_goes_as_a_request() -> None:
    slot = ReplySlot("q1")
    with carrying(slot):
        assert carry_answer("q1", "Saved", show_alert=False)
        assert not carry_answer("q1", "Again", show_alert=True)
    assert not carry_answer("q1", None, show_alert=False)  # the slot is current no more
    assert slot.take() == {
        "method": "answerCallbackQuery",
        "callback_query_id": "q1",
        "text": "Saved",
    }


@pytest.mark.parametrize(
    ("text", "show_alert", "extra"),
    [(None, False, {}), ("Not yours", True, {"text": "Not yours", "show_alert": True})],
)
def test_the_call_carries_what_the_answer_says(
    text: str | None, show_alert: bool, extra: dict[str, Any]
) -> None:
    slot = ReplySlot("q1")
    with carrying(slot):
        assert carry_answer("q1", text, show_alert=show_alert)
    assert slot.take() == {"method": "answerCallbackQuery", "callback_query_id": "q1", **extra}


def test_only_the_updates_own_press_and_only_before_the_webhook_answered() -> None:
    slot = ReplySlot("q1")
    with carrying(slot):
        assert not carry_answer("q2", "Another press", show_alert=False)
        assert slot.take() is None
        assert not carry_answer("q1", "Too late", show_alert=False)
    assert slot.take() is None


def test_a_slot_is_opened_for_a_button_press_only() -> None:
    press = Update.de_json(_press(1, "q7"), None)
    assert press is not None
    opened = ReplySlot.for_update(press)
    assert opened is not None and opened.query_id == "q7"
    message = Update.de_json(_message(2), None)
    assert message is not None and ReplySlot.for_update(message) is None


Process = Callable[[Update], Awaitable[None]]


@pytest.fixture
async def webhook(
    emulator: BotApiEmulator,
) -> AsyncIterator[tuple[Callable[[Process], None], UpdateIntake, str, Bot]]:
    """bot.web's webhook route over an intake whose handling a test sets; its URL, and a
    PTB bot on the emulator."""
    handling: list[Process] = []

    async def process(update: Update) -> None:
        await handling[0](update)

    async def slow_down(_update: Update) -> None:
        raise AssertionError("nothing here floods")

    intake = UpdateIntake(
        process, flood=FloodGuard(), urgent=lambda _u: False, slow_down=slow_down
    )
    async with Bot(TOKEN, base_url=emulator.base_url) as bot:
        app: Any = SimpleNamespace(bot=bot)  # all the webhook route needs of the application
        server = web_application(app, Status(taking_updates=True), intake, ("/hook", SECRET))
        runner, url = await listen_on_loopback(server)
        try:
            yield handling.append, intake, f"{url}/hook", bot
        finally:
            await intake.finish(within=1)
            await runner.cleanup()


async def _post(url: str, update: dict[str, Any]) -> tuple[int, str, bytes]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json=update, headers=HEADERS) as response,
    ):
        return response.status, response.content_type, await response.read()


async def test_the_answer_rides_in_the_200_even_when_the_handler_fails_after_it(
    webhook: tuple[Callable[[Process], None], UpdateIntake, str, Bot],
) -> None:
    handle, _intake, url, _bot = webhook

    async def answers_then_fails(update: Update) -> None:
        assert update.callback_query is not None
        await answer(update.callback_query, "Saved")
        raise RuntimeError("after the answer")

    handle(answers_then_fails)
    status, kind, body = await _post(url, _press(1, "q1"))
    assert (status, kind) == (200, "application/json")
    assert body == b'{"method": "answerCallbackQuery", "callback_query_id": "q1", "text": "Saved"}'


async def test_an_update_that_is_no_press_gets_an_empty_200(
    webhook: tuple[Callable[[Process], None], UpdateIntake, str, Bot],
) -> None:
    handle, _intake, url, _bot = webhook
    seen: list[int] = []

    async def record(update: Update) -> None:
        seen.append(update.update_id)

    handle(record)
    assert await _post(url, _message(3)) == (200, "text/plain", b"")
    assert seen == [3]


async def test_a_stop_answers_503_and_carries_nothing(
    webhook: tuple[Callable[[Process], None], UpdateIntake, str, Bot],
) -> None:
    handle, intake, url, _bot = webhook
    answered = asyncio.Event()

    async def answers_then_hangs(update: Update) -> None:
        assert update.callback_query is not None
        await answer(update.callback_query, "Saved")
        answered.set()
        await asyncio.Event().wait()  # cut off by the stop

    handle(answers_then_hangs)
    posted = asyncio.ensure_future(_post(url, _press(1, "q1")))
    await answered.wait()
    await intake.finish(within=0)
    status, _kind, body = await posted
    assert (status, body) == (503, b"")  # Telegram sends the update again: answered then


async def test_telegram_runs_the_carried_answer_and_a_second_answer_is_a_request(
    emulator: BotApiEmulator,
    webhook: tuple[Callable[[Process], None], UpdateIntake, str, Bot],
) -> None:
    handle, _intake, url, bot = webhook

    async def answers_twice(update: Update) -> None:
        assert update.callback_query is not None
        await answer(update.callback_query, "first")
        await answer(update.callback_query, "second")

    handle(answers_twice)
    await bot.set_webhook(url, secret_token=SECRET)
    sam = emulator.user(5002)
    sent = await bot.send_message(sam.chat_id, "Pick")
    query_id = await sam.press(sent.message_id, callback_data="x")
    await emulator.wait_for_delivery(lambda d: d.ok, after=0)

    answers = [(c.carried, c.params.get("text")) for c in emulator.calls_to("answerCallbackQuery")]
    # The second went out as a request while the update was handled; the first, carried in
    # the 200, came too late (Telegram would say so to no one).
    assert answers == [(False, "second"), (True, "first")]
    assert emulator.callback_answer(query_id)["text"] == "second"
    assert emulator.tally(sam.chat_id).requests == 2  # sendMessage and one answer


def _query(limiter: ChatRateLimiter, asked: list[str | None]) -> Any:
    async def call_now(method: str, api_kwargs: dict[str, Any]) -> bool:
        assert method == "answerCallbackQuery" and api_kwargs["callback_query_id"] == "q1"
        asked.append(api_kwargs.get("text"))
        return True

    bot = SimpleNamespace(rate_limiter=limiter, do_api_request=call_now)
    return SimpleNamespace(id="q1", get_bot=lambda: bot)


async def test_with_no_message_waiting_the_answer_rides_in_the_webhooks_answer() -> None:
    asked: list[str | None] = []
    slot = ReplySlot("q1")
    with carrying(slot):
        await answer(_query(ChatRateLimiter(overall_rate=1, chat_rate=1, max_retries=0), asked))
    assert asked == [] and slot.take() is not None


async def test_while_messages_wait_for_their_turn_the_answer_goes_at_once() -> None:
    # A popular minute: the webhook's answer would leave only after the update's replies
    # had waited their turn, and the button would spin all that while.
    limiter = ChatRateLimiter(overall_rate=1, chat_rate=1, max_retries=0)
    await limiter._free.leave()  # one message just left: the next waits about a second
    assert limiter.sends_wait(0.5) and not limiter.sends_wait(1.5)
    limiter._free._queued = 2  # and two more wait their turn before it
    assert limiter.sends_wait(1.5)
    asked: list[str | None] = []
    slot = ReplySlot("q1")
    with carrying(slot):
        await answer(_query(limiter, asked), "Saved")
    assert asked == ["Saved"] and slot.take() is None
