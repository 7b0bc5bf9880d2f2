"""TelegramSender against the emulator, wired as the application wires it (its Defaults, its
rate limiter, its transport): what a raw sendMessage carries, and what each answer of
Telegram's becomes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram.error import BadRequest, NetworkError

from bot import keyboards
from bot.app import build_application
from bot.data_key import load_data_key
from bot.sender import TelegramSender
from emulator import BotApiEmulator
from messages import render, ritual_text
from scheduler.pacing import PacingOffer
from scheduler.sender import ConsentAsk, OutgoingPrompt, Undeliverable
from tests.e2e.harness import FakeClock, make_settings

LABELS = dict(ritual_text("body_scan", "en").labels)


@pytest.fixture
async def sender(emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[TelegramSender]:
    """The application's bot (not started: no database, no polling), quick to retry."""
    settings = make_settings(emulator.root_url, f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    clock = FakeClock(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    app = build_application(settings, data_key=load_data_key(settings), clock=clock)
    async with app.bot:
        yield TelegramSender(app.bot, backoff=0.01)


def prompt(chat_id: int, **fields: object) -> OutgoingPrompt:
    """A prompt with its rating buttons; `fields` change it."""
    values: dict[str, object] = {
        "prompt_id": 123_456,
        "chat_id": chat_id,
        "locale": "en",
        "text": "A breath, then the body.",
        "labels": LABELS,
        **fields,
    }
    return OutgoingPrompt(**values)  # type: ignore[arg-type]


def sends_to(emulator: BotApiEmulator, chat_id: int) -> list[tuple[int | None, dict[str, object]]]:
    """Every sendMessage to one chat: (error code, decoded parameters)."""
    calls = emulator.calls_to("sendMessage")
    return [(c.error_code, c.params) for c in calls if c.params.get("chat_id") == chat_id]


async def test_a_prompt_goes_out_with_its_keyboard_and_the_apps_defaults(
    emulator: BotApiEmulator, sender: TelegramSender
) -> None:
    sam = emulator.user(5001, "Sam")
    message_id = await sender.send_prompt(prompt(sam.chat_id, quiet=True))
    shown = await sam.wait_for_message()
    assert message_id == shown.message_id
    [(error, params)] = sends_to(emulator, sam.chat_id)
    expected = keyboards.prompt("en", 123_456, LABELS, can_snooze=True)
    assert error is None and params["text"] == "A breath, then the body."
    assert params["reply_markup"] == expected.to_dict()
    # protect_content comes from the application's Defaults, which PTB adds only to its
    # own methods: the sender adds it itself.
    assert params["protect_content"] is True and params["disable_notification"] is True


async def test_each_kind_of_prompt_has_the_keyboard_bot_keyboards_makes(
    emulator: BotApiEmulator, sender: TelegramSender
) -> None:
    sam = emulator.user(5002, "Sam")
    kinds = [
        (prompt(sam.chat_id, can_snooze=False), keyboards.prompt("en", 123_456, LABELS,
                                                                  can_snooze=False)),
        (prompt(sam.chat_id, discreet=True, period="night"), keyboards.open_prompt("en", 123_456)),
        (prompt(sam.chat_id, labels={}, pacing=PacingOffer("body_scan", several_days=False)),
         keyboards.pacing_offer("en", "body_scan", several_days=False)),
        (prompt(sam.chat_id, labels={}, can_snooze=False), None),  # a weekly summary
    ]  # fmt: skip
    for outgoing, _markup in kinds:
        await sender.send_prompt(outgoing)
    sent = [params for _error, params in sends_to(emulator, sam.chat_id)]
    assert [p.get("reply_markup") for p in sent] == [
        markup.to_dict() if markup else None for _prompt, markup in kinds
    ]
    assert "disable_notification" not in sent[0]
    night = render("discreet_prompt_night", "en") + "\n" + render("discreet_prompt_tail", "en")
    assert sent[1]["text"] == night  # discreet: nothing of the practice on a lock screen


async def test_blocked_person_is_undeliverable_at_once(
    emulator: BotApiEmulator, sender: TelegramSender
) -> None:
    sam = emulator.user(5003, "Sam")
    emulator.block(sam.chat_id, notify=False)
    with pytest.raises(Undeliverable):
        await sender.send_prompt(prompt(sam.chat_id))
    assert [error for error, _ in sends_to(emulator, sam.chat_id)] == [403]


async def test_vanished_chat_is_undeliverable(
    emulator: BotApiEmulator, sender: TelegramSender
) -> None:
    with pytest.raises(Undeliverable):
        await sender.send_prompt(prompt(5999))  # no such chat
    assert [error for error, _ in sends_to(emulator, 5999)] == [400]


async def test_429_is_waited_out_by_the_rate_limiter_and_sent_once(
    emulator: BotApiEmulator, sender: TelegramSender
) -> None:
    sam = emulator.user(5004, "Sam")
    emulator.fail_next(sam.chat_id, error_code=429, retry_after=0.2, methods=["sendMessage"])
    message_id = await sender.send_prompt(prompt(sam.chat_id))
    assert message_id == (await sam.wait_for_message()).message_id
    attempts = [c for c in emulator.calls_to("sendMessage") if c.params["chat_id"] == 5004]
    assert [c.error_code for c in attempts] == [429, None]
    assert attempts[1].at - attempts[0].at >= 0.2


async def test_bad_request_is_raised_and_not_retried(
    emulator: BotApiEmulator, sender: TelegramSender
) -> None:
    sam = emulator.user(5005, "Sam")
    with pytest.raises(BadRequest):
        await sender.send_prompt(prompt(sam.chat_id, text="x" * 4097))  # over Telegram's limit
    assert [error for error, _ in sends_to(emulator, sam.chat_id)] == [400]
    assert sam.messages == []


async def test_network_errors_are_retried_then_raised(
    emulator: BotApiEmulator, sender: TelegramSender
) -> None:
    sam = emulator.user(5006, "Sam")
    emulator.fail_next(sam.chat_id, error_code=502, count=3, methods=["sendMessage"])
    message_id = await sender.send_prompt(prompt(sam.chat_id))  # the fourth try goes through
    assert message_id == (await sam.wait_for_message()).message_id
    emulator.fail_next(sam.chat_id, error_code=502, count=4, methods=["sendMessage"])
    with pytest.raises(NetworkError):
        await sender.send_prompt(prompt(sam.chat_id))
    tries = [error for error, _ in sends_to(emulator, sam.chat_id)]
    assert tries == [502, 502, 502, None, 502, 502, 502, 502]


async def test_the_consent_question_goes_the_same_way(
    emulator: BotApiEmulator, sender: TelegramSender
) -> None:
    sam = emulator.user(5007, "Sam")
    message_id = await sender.ask_consent(ConsentAsk(5007, sam.chat_id, "en", quiet=True))
    assert message_id == (await sam.wait_for_message()).message_id
    [(_error, params)] = sends_to(emulator, sam.chat_id)
    assert params["reply_markup"] == keyboards.consent("en").to_dict()
    assert params["protect_content"] is True and params["disable_notification"] is True
