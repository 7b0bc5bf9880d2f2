"""Logs carry no ratings, notes, ritual keys, names, raw Telegram ids or the token."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.app import AttuneApp
from bot.logs import configure_logging
from emulator import BotApiEmulator
from messages import render, ritual_text, rituals
from tests.e2e.flows import is_prompt, onboard, opt_in_default, tick_at
from tests.e2e.harness import TOKEN, FakeClock
from tests.e2e.practice import rate, write_note

USER_ID = 93_417_205
NAME = "Philomena"
NOTE = "Zanzibar-lantern-note"


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Everything logged at DEBUG, with the same configuration `attune run` uses."""
    configure_logging("DEBUG")
    caplog.set_level(logging.DEBUG)
    yield caplog
    configure_logging("WARNING")


async def test_a_whole_flow_at_debug_leaks_nothing(
    debug_logs: pytest.LogCaptureFixture,
    bot: AttuneApp,
    emulator: BotApiEmulator,
    clock: FakeClock,
) -> None:
    person = emulator.user(user_id=USER_ID, first_name=NAME)
    await onboard(person)
    await opt_in_default(person, "body_scan")
    await tick_at(bot, clock, datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    prompt = await person.wait_for_message(is_prompt)
    await rate(person, prompt, 4)
    await write_note(person, NOTE)
    await person.send("/export")
    await emulator.wait_for_call("sendDocument", lambda c: c.ok)
    # A failing handler logs too: make Telegram fail an edit.
    emulator.fail_next(person.chat_id, error_code=400, methods=["editMessageText"])
    [two] = [data for _, data in prompt.buttons if data.startswith("r:") and data.endswith(":2")]
    await person.press(prompt, callback_data=two)
    await person.wait_for_message(lambda m: m.text == render("error_generic", "en"))

    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in debug_logs.records)
    assert any("export for p-" in r.getMessage() for r in debug_logs.records)
    forbidden = [str(USER_ID), NAME, NOTE, TOKEN, TOKEN.split(":")[1]]
    forbidden += [r.key for r in rituals()] + [ritual_text(r.key).name for r in rituals()]
    for value in forbidden:
        assert value not in logged, value
    assert not re.search(r"rating\W{0,3}[1-5]\b", logged)
