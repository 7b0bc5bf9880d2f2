"""Getting prompts out: Telegram's 429 and 403, and prompts that came due during downtime."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render
from store.models import Prompt, PromptState, Subscription, User
from tests.e2e.db import all_rows
from tests.e2e.flows import is_prompt, onboard, opt_in_default, tick_at
from tests.e2e.harness import FakeClock

TEN_PM_BERLIN = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)


async def test_429_waits_retry_after_and_sends_once(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=4001, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    emulator.fail_next(sam.chat_id, error_code=429, retry_after=0.2, methods=["sendMessage"])
    await tick_at(bot, clock, TEN_PM_BERLIN)
    prompt = await sam.wait_for_message(is_prompt)
    attempts = [c for c in emulator.calls_to("sendMessage") if c.params.get("chat_id") == 4001]
    assert [c.error_code for c in attempts[-2:]] == [429, None]
    assert attempts[-1].at - attempts[-2].at >= 0.2
    [row] = await all_rows(database_url, Prompt)
    assert (row.state, row.message_id) == (PromptState.SENT, prompt.message_id)


async def test_blocked_bot_stops_prompts_until_start(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=4002, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    emulator.block(sam.chat_id, notify=False)
    await tick_at(bot, clock, TEN_PM_BERLIN)
    [user] = await all_rows(database_url, User)
    assert user.blocked_at == TEN_PM_BERLIN
    [sub] = await all_rows(database_url, Subscription)
    assert sub.active and sub.next_due_at is None  # nothing more is tried
    [row] = await all_rows(database_url, Prompt)
    assert row.state == PromptState.FAILED

    # Coming back with /start restores everything they had chosen.
    emulator.unblock(sam.chat_id)
    clock.now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    await sam.send("/start")
    assert (await sam.wait_for_message()).text == render("welcome_back", "en")
    [user] = await all_rows(database_url, User)
    assert user.blocked_at is None
    [sub] = await all_rows(database_url, Subscription)
    assert sub.next_due_at == datetime(2026, 11, 28, 21, 0, tzinfo=UTC)


async def test_after_downtime_only_prompts_within_grace_are_sent(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=4003, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    # The bot "was down" for two days: 27 and 28 November are long past when it ticks.
    mark = sam.mark()
    await tick_at(bot, clock, datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
    assert sam.messages[mark:] == []
    rows = await all_rows(database_url, Prompt)
    assert [(r.due_at, r.state) for r in rows] == [(TEN_PM_BERLIN, PromptState.EXPIRED)]
    [sub] = await all_rows(database_url, Subscription)
    assert sub.next_due_at == datetime(2026, 11, 29, 21, 0, tzinfo=UTC)  # no flood, no backlog
    # Forty minutes late is within the default hour of grace: still sent.
    await tick_at(bot, clock, datetime(2026, 11, 29, 21, 40, tzinfo=UTC))
    prompt = await sam.wait_for_message(is_prompt)
    sent = [r for r in await all_rows(database_url, Prompt) if r.state == PromptState.SENT]
    assert [(r.due_at, r.message_id) for r in sent] == [
        (datetime(2026, 11, 29, 21, 0, tzinfo=UTC), prompt.message_id)
    ]


async def test_network_errors_are_retried_with_backoff(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=4004, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    emulator.fail_next(sam.chat_id, error_code=502, count=2, methods=["sendMessage"])
    await tick_at(bot, clock, TEN_PM_BERLIN)
    prompt = await sam.wait_for_message(is_prompt)
    attempts = [c for c in emulator.calls_to("sendMessage") if c.params.get("chat_id") == 4004]
    assert [c.error_code for c in attempts[-3:]] == [502, 502, None]
    # Backoff doubles: 0.5 s, then 1 s.
    assert attempts[-1].at - attempts[-2].at >= 0.95
    assert attempts[-2].at - attempts[-3].at >= 0.45
    [row] = await all_rows(database_url, Prompt)
    assert (row.state, row.message_id) == (PromptState.SENT, prompt.message_id)
