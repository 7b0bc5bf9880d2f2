"""Pausing every prompt (/pause, /resume) and pausing one ritual on its own.

The clock stands at Friday 27 November 2026, 13:00 in Berlin (12:00 UTC); the body scan
is due at 22:00 Berlin (21:00 UTC) every day, breathwork at 08:00 (07:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render, ritual_text
from scheduler.planning import UNTIL_RESUMED
from store.models import Prompt, PromptState, Subscription, User
from tests.e2e.db import all_rows, count
from tests.e2e.flows import (
    button_data,
    is_prompt,
    onboard,
    opt_in_default,
    press_for_edit,
    tick_at,
)
from tests.e2e.harness import FakeClock


def _utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _name(key: str) -> str:
    return ritual_text(key, "en").name


async def _sub(database_url: str, key: str) -> Subscription:
    [sub] = await all_rows(database_url, Subscription, ritual_key=key)
    return sub


async def test_three_days_pause_sends_nothing_until_it_ends(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=8001, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    await sam.send("/pause")
    menu = await sam.wait_for_message(lambda m: bool(m.buttons))
    assert menu.text == render("pause_ask", "en")
    assert button_data(menu) == ["pause:1d", "pause:3d", "pause:7d", "pause:open"]

    paused = await press_for_edit(sam, menu, "pause:3d")
    monday = render("next_on", "en", day="Monday", time="22:00")
    assert render("pause_state_next", "en", next=monday) in paused.text
    assert paused.text == render(
        "pause_set", "en", state=render("pause_state_next", "en", next=monday)
    )
    assert "count" not in paused.text.lower()  # pausing is rest, not a tally kept or stopped
    [user] = await all_rows(database_url, User)
    assert user.paused_until == _utc(30, 12)
    assert (await _sub(database_url, "body_scan")).next_due_at == _utc(30, 21)

    # The usual evenings come and go in silence.
    mark = sam.mark()
    for day in (27, 28, 29):
        await tick_at(bot, clock, _utc(day, 21, 0) + timedelta(seconds=5))
    assert sam.messages[mark:] == []
    assert await count(database_url, Prompt) == 0
    # Monday evening, after the pause, the prompt comes at its usual time.
    await tick_at(bot, clock, _utc(30, 20, 59))
    assert await count(database_url, Prompt) == 0
    await tick_at(bot, clock, _utc(30, 21, 0) + timedelta(seconds=5))
    await sam.wait_for_message(is_prompt)
    [prompt] = await all_rows(database_url, Prompt)
    assert prompt.due_at == _utc(30, 21)


async def test_until_i_resume_then_resume(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=8002, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    await opt_in_default(sam, "breath")
    await sam.send("/pause")
    menu = await sam.wait_for_message(lambda m: bool(m.buttons))
    paused = await press_for_edit(sam, menu, "pause:open")
    assert render("pause_state_open", "en") in paused.text
    [user] = await all_rows(database_url, User)
    assert user.paused_until == UNTIL_RESUMED
    subs = await all_rows(database_url, Subscription)
    assert [s.next_due_at for s in subs] == [None, None]
    await tick_at(bot, clock, _utc(27, 21, 1))
    await tick_at(bot, clock, _utc(28, 7, 1))
    assert await count(database_url, Prompt) == 0

    # /pause while paused shows the pause in force, the lengths again, and a way back.
    await sam.send("/pause")
    current = await sam.wait_for_message(lambda m: bool(m.buttons))
    state = render("pause_state_open", "en")
    assert current.text.startswith(render("pause_current", "en", state=state).split("\n")[0])
    assert button_data(current) == ["pause:1d", "pause:3d", "pause:7d", "pause:open", "resume"]

    clock.now = _utc(28, 9)  # Saturday, 10:00 in Berlin
    await sam.send("/resume")
    back = await sam.wait_for_message()
    assert back.text == render(
        "resume_done",
        "en",
        lines="\n".join(
            [
                render("ritual_next_line", "en", name=_name("body_scan"), next="today at 22:00"),
                render("ritual_next_line", "en", name=_name("breath"), next="tomorrow at 08:00"),
            ]
        ),
    )
    [user] = await all_rows(database_url, User)
    assert user.paused_until is None
    assert (await _sub(database_url, "body_scan")).next_due_at == _utc(28, 21)
    assert (await _sub(database_url, "breath")).next_due_at == _utc(29, 7)

    await sam.send("/resume")
    assert (await sam.wait_for_message()).text == render("resume_not_paused", "en")


async def test_pausing_one_ritual_leaves_the_others_alone(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=8003, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "breath")
    page = await opt_in_default(sam, "body_scan")
    ask = await press_for_edit(sam, page, "rpause:body_scan")
    assert button_data(ask) == [
        "rpause:body_scan:1d",
        "rpause:body_scan:3d",
        "rpause:body_scan:7d",
        "rpause:body_scan:open",
        "rit:body_scan",
    ]
    page = await press_for_edit(sam, ask, "rpause:body_scan:3d")
    assert "rresume:body_scan" in button_data(page)
    schedule = render("schedule_daily", "en", time="22:00")
    monday = render("next_on", "en", day="Monday", time="22:00")
    assert render("ritual_state_paused", "en", schedule=schedule, next=monday) in page.text
    body_scan = await _sub(database_url, "body_scan")
    assert (body_scan.paused_until, body_scan.next_due_at) == (_utc(30, 12), _utc(30, 21))
    assert (await _sub(database_url, "breath")).next_due_at == _utc(28, 7)
    [user] = await all_rows(database_url, User)
    assert user.paused_until is None

    await tick_at(bot, clock, _utc(27, 21, 1))
    assert await count(database_url, Prompt) == 0
    await tick_at(bot, clock, _utc(28, 7, 1))
    await sam.wait_for_message(is_prompt)  # breathwork carries on
    [prompt] = await all_rows(database_url, Prompt)
    assert prompt.due_at == _utc(28, 7)

    # Resuming this one brings it back from now: tonight at 22:00.
    page = await press_for_edit(sam, page, "rresume:body_scan")
    assert "rpause:body_scan" in button_data(page)
    body_scan = await _sub(database_url, "body_scan")
    assert (body_scan.paused_until, body_scan.next_due_at) == (None, _utc(28, 21))
    await tick_at(bot, clock, _utc(28, 21, 1))
    prompt = await sam.wait_for_message(is_prompt)
    sent = {row.due_at: row.message_id for row in await all_rows(database_url, Prompt)}
    assert sent == {_utc(28, 7): sent[_utc(28, 7)], _utc(28, 21): prompt.message_id}


@pytest.mark.parametrize("pause", ["everything", "this_one"])
async def test_a_snoozed_prompt_does_not_come_back_during_a_pause(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str, pause: str
) -> None:
    sam = emulator.user(user_id=8004, first_name="Sam")
    await onboard(sam)
    page = await opt_in_default(sam, "body_scan")
    await tick_at(bot, clock, _utc(27, 21, 0))
    message = await sam.wait_for_message(is_prompt)
    [prompt] = await all_rows(database_url, Prompt)
    choices = await press_for_edit(sam, message, f"later:{prompt.id}")
    await press_for_edit(sam, choices, f"snz:{prompt.id}:1h")
    [prompt] = await all_rows(database_url, Prompt)
    assert (prompt.state, prompt.snoozed_until) == (PromptState.SNOOZED, _utc(27, 22))

    if pause == "everything":
        await sam.send("/pause")
        menu = await sam.wait_for_message(lambda m: bool(m.buttons))
        await press_for_edit(sam, menu, "pause:1d")
    else:
        ask = await press_for_edit(sam, page, "rpause:body_scan")
        await press_for_edit(sam, ask, "rpause:body_scan:1d")
    [prompt] = await all_rows(database_url, Prompt)
    assert (prompt.state, prompt.snoozed_until) == (PromptState.EXPIRED, None)
    mark = sam.mark()
    await tick_at(bot, clock, _utc(27, 22, 1))
    assert sam.messages[mark:] == []
    assert await count(database_url, Prompt) == 1
