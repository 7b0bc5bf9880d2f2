"""Paid broadcast end to end: a popular minute's prompts go out past the free pace with
allow_paid_broadcast, every one of them once, and the Stars are counted; switched off, no
prompt carries the flag. The emulator keeps Telegram's limits (429 past them)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from emulator import BotApiEmulator
from store.models import PaidBroadcastDay, Prompt, PromptState
from tests.bot.test_paid_broadcast import stars_exposed
from tests.e2e.db import all_rows
from tests.e2e.flows import tick_at
from tests.e2e.harness import FakeClock, make_settings, running_bot
from tests.e2e.processes import prompts_per_chat, seed_due_people, started_chats
from tests.scheduler.people import NOW

FIRST_ID = 300_000


async def rush(emulator: BotApiEmulator, database_url: str, people: int) -> None:
    """`people` due at 22:00 in Berlin, each with a chat the bot can write to."""
    await seed_due_people(database_url, count=people, due=NOW, first_id=FIRST_ID)
    started_chats(emulator, count=people, first_id=FIRST_ID)


def flagged(emulator: BotApiEmulator) -> list[bool]:
    """Whether each prompt delivered carried allow_paid_broadcast."""
    return [bool(c.params.get("allow_paid_broadcast")) for c in emulator.calls_to("sendMessage")]


@pytest.mark.emulator(telegram_limits=True)
async def test_a_burst_goes_out_paid_past_the_free_pace(
    emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    people = 150
    await rush(emulator, database_url, people)
    emulator.star_balance = 100
    settings = make_settings(
        emulator.root_url,
        database_url,
        ATTUNE_PAID_BROADCAST="on",
        ATTUNE_PAID_BROADCAST_DAILY_STARS=50,
    )
    async with running_bot(settings, clock) as bot:
        await tick_at(bot, clock, NOW)
        spent = await stars_exposed(bot.bot_data.services.metrics)

    assert emulator.errors == [], "no 429, no refusal"
    per_chat = prompts_per_chat(emulator)
    assert len(per_chat) == people and set(per_chat.values()) == {1}
    rows = await all_rows(database_url, Prompt)
    assert len(rows) == people and {r.state for r in rows} == {PromptState.SENT}
    paid = sum(flagged(emulator))
    assert paid >= people - 25, "past the free pace, prompts went paid"
    assert spent == pytest.approx(paid / 10)
    [ledger] = await all_rows(database_url, PaidBroadcastDay)  # what it did not send went back
    assert (ledger.day, ledger.messages) == (NOW.date(), paid)
    assert emulator.billed_messages <= paid  # Telegram bills at most what Attune counted
    assert emulator.star_balance == 100 - Decimal(emulator.billed_messages) / 10


@pytest.mark.emulator(telegram_limits=True)
async def test_switched_off_no_prompt_carries_the_flag(
    emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    people = 40
    await rush(emulator, database_url, people)
    emulator.star_balance = 100
    async with running_bot(make_settings(emulator.root_url, database_url), clock) as bot:
        await tick_at(bot, clock, NOW)

    assert emulator.errors == []
    assert len(prompts_per_chat(emulator)) == people
    assert not any(flagged(emulator))
    assert (emulator.billed_messages, emulator.star_balance) == (0, 100)
