"""Paid broadcast: the day's budget (shared through the database, per UTC day) and the rate
limiter's choice for each prompt: a free slot, a paid one, or wait for a free one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import ExtBot

from bot.metrics import Metrics
from bot.paid_broadcast import BLOCK, PaidBudget, daily_messages
from bot.rate_limit import ChatRateLimiter
from emulator import BotApiEmulator
from store.db import session_factory
from store.paid_broadcast import paid_messages
from tests.e2e.harness import FakeClock
from tests.emulators import TOKEN

LATE = datetime(2026, 11, 27, 23, 59, tzinfo=UTC)
FIRST_CHAT = 5000


async def spent(engine: AsyncEngine, day: date) -> int:
    """Paid messages the ledger holds for `day`."""
    async with session_factory(engine)() as session:
        return await paid_messages(session, since=day, until=day)


def budget_for(engine: AsyncEngine, clock: FakeClock, stars: float, **extra: object) -> PaidBudget:
    budget = PaidBudget(daily_stars=stars, clock=clock, **extra)  # type: ignore[arg-type]
    budget.open(session_factory(engine))
    return budget


async def takes(budget: PaidBudget, count: int) -> list[bool]:
    return [await budget.take() for _ in range(count)]


@pytest.mark.parametrize(("stars", "messages"), [(0.1, 1), (0.3, 3), (2.55, 25), (1000, 10_000)])
def test_stars_become_whole_paid_messages(stars: float, messages: int) -> None:
    assert daily_messages(stars) == messages


async def test_nothing_is_paid_before_the_ledger_is_open() -> None:
    budget = PaidBudget(daily_stars=10, clock=FakeClock(LATE))
    assert await budget.take() is False


async def test_the_day_budget_holds_across_replicas_and_restarts(engine: AsyncEngine) -> None:
    clock = FakeClock(LATE)
    one, two = (budget_for(engine, clock, 2.5, block=4) for _ in range(2))
    assert await takes(one, 6) == [True] * 6
    assert await takes(two, 6) == [True] * 6
    await one.close()  # two of its block of four go back
    restarted = budget_for(engine, clock, 2.5, block=4)
    # 25 in all: 12 sent, 2 given back by `one`, 2 still set aside by `two`.
    assert await takes(restarted, 12) == [True] * 11 + [False]
    assert await takes(two, 3) == [True, True, False]
    assert await spent(engine, LATE.date()) == 25


async def test_replicas_taking_at_once_never_pass_the_budget(engine: AsyncEngine) -> None:
    clock = FakeClock(LATE)
    replicas = [budget_for(engine, clock, 10, block=7) for _ in range(3)]
    taken = sum(await asyncio.gather(*(b.take() for _ in range(60) for b in replicas)))
    # A replica may still hold part of a block the others would have used.
    assert 100 - 3 * 7 < taken <= 100
    assert await spent(engine, LATE.date()) == 100
    for budget in replicas:
        await budget.close()
    assert await spent(engine, LATE.date()) == taken


async def test_a_new_utc_day_brings_a_new_budget(engine: AsyncEngine) -> None:
    clock = FakeClock(LATE)
    budget = budget_for(engine, clock, 0.5, block=3)
    assert await takes(budget, 4) == [True, True, True, True]
    assert await spent(engine, LATE.date()) == 5  # blocks of 3 and 2 set aside
    clock.advance(minutes=1)  # 00:00 UTC
    assert await takes(budget, 6) == [True] * 5 + [False]
    assert await spent(engine, LATE.date()) == 4  # the unsent one went back to its day
    assert await spent(engine, date(2026, 11, 28)) == 5


async def test_a_refused_payment_stops_paying_until_the_next_day(engine: AsyncEngine) -> None:
    clock = FakeClock(LATE)
    budget = budget_for(engine, clock, 10, block=10)
    assert await takes(budget, 3) == [True] * 3
    await budget.refused()  # the third was sent free after all: it and 7 unsent go back
    assert await spent(engine, LATE.date()) == 2
    assert await budget.take() is False
    clock.advance(minutes=1)
    assert await budget.take() is True


async def test_stars_spent_are_counted_as_prompts_go_out_paid(engine: AsyncEngine) -> None:
    metrics = Metrics()
    budget = budget_for(engine, FakeClock(LATE), 1, events=metrics)
    for _ in range(3):
        assert await budget.take()
        budget.sent()
    assert await stars_exposed(metrics) == pytest.approx(0.3)


async def stars_exposed(metrics: Metrics) -> float:
    """The Stars-spent counter as /metrics shows it."""

    async def no_one() -> int:
        return 0

    exposed = (await metrics.render(no_one)).decode()
    [line] = [x for x in exposed.splitlines() if x.startswith("attune_paid_broadcast_stars_total")]
    return float(line.split()[-1])


# The rate limiter against the emulator with Telegram's limits: a burst of prompts to
# different people, each marked as one that may go out paid.


@pytest.fixture
async def limited(emulator: BotApiEmulator) -> AsyncIterator[BotApiEmulator]:
    for n in range(200):
        emulator.user(FIRST_CHAT + n)
    yield emulator


async def burst(bot: ExtBot[None], count: int) -> list[int]:
    """`count` prompts to as many people at once; the message ids Telegram gave them."""
    sent = await asyncio.gather(
        *(
            bot.send_message(FIRST_CHAT + n, f"prompt {n}", allow_paid_broadcast=True)
            for n in range(count)
        )
    )
    return [message.message_id for message in sent]


def sends(emulator: BotApiEmulator) -> list[tuple[bool, int | None]]:
    """(sent with the flag, error code) of every sendMessage, in order."""
    return [
        (bool(c.params.get("allow_paid_broadcast")), c.error_code)
        for c in emulator.calls_to("sendMessage")
    ]


def limiter(budget: PaidBudget | None) -> ChatRateLimiter:
    return ChatRateLimiter(overall_rate=25, chat_rate=1, max_retries=3, budget=budget)


@pytest.mark.emulator(telegram_limits=True)
async def test_past_the_free_pace_prompts_go_paid(
    limited: BotApiEmulator, engine: AsyncEngine
) -> None:
    limited.star_balance = 100
    metrics = Metrics()
    budget = budget_for(engine, FakeClock(LATE), 100, events=metrics)
    async with ExtBot(TOKEN, base_url=limited.base_url, rate_limiter=limiter(budget)) as bot:
        await burst(bot, 200)
    flags = sends(limited)
    assert all(error is None for _, error in flags), "no 429, no refusal"
    paid = sum(flag for flag, _ in flags)
    # Free slots as they open (the first at once, then one each 36 ms at 25 a second), paid
    # the others; the emulator refused none, so neither pace went past Telegram's limits.
    assert flags[0] == (False, None)
    assert 0 < paid < 200
    blocks = -(-paid // BLOCK)
    assert await spent(engine, LATE.date()) == blocks * BLOCK  # set aside a block at a time
    await budget.close()
    assert await spent(engine, LATE.date()) == paid
    # Telegram bills what went past its own free 30 a second: never more than was paid.
    assert limited.billed_messages <= paid
    assert limited.star_balance == 100 - Decimal(limited.billed_messages) / 10
    assert await stars_exposed(metrics) == pytest.approx(paid / 10)


@pytest.mark.emulator(telegram_limits=True)
async def test_with_the_budget_spent_prompts_wait_for_free_slots(
    limited: BotApiEmulator, engine: AsyncEngine
) -> None:
    limited.star_balance = 100
    budget = budget_for(engine, FakeClock(LATE), 2)  # 20 paid messages
    async with ExtBot(TOKEN, base_url=limited.base_url, rate_limiter=limiter(budget)) as bot:
        ids = await burst(bot, 60)
    assert len(ids) == 60
    flags = sends(limited)
    assert all(error is None for _, error in flags)
    assert sum(flag for flag, _ in flags) == 20
    assert flags[-5:] == [(False, None)] * 5, "the last ones waited for free slots"


@pytest.mark.emulator(telegram_limits=True)
async def test_a_refused_payment_sends_the_prompt_free_and_stops_paying(
    limited: BotApiEmulator, engine: AsyncEngine
) -> None:
    limited.star_balance = Decimal("0.5")  # five paid messages, the budget would allow 100
    budget = budget_for(engine, FakeClock(LATE), 10)
    async with ExtBot(TOKEN, base_url=limited.base_url, rate_limiter=limiter(budget)) as bot:
        ids = await burst(bot, 60)
        assert len(ids) == 60  # none lost
        later = await bot.send_message(FIRST_CHAT + 199, "later", allow_paid_broadcast=True)
    delivered = [c.params["chat_id"] for c in limited.calls_to("sendMessage") if c.ok]
    assert sorted(delivered) == sorted([FIRST_CHAT + n for n in range(60)] + [FIRST_CHAT + 199])
    assert limited.billed_messages <= 5
    refused = [c for c in limited.calls_to("sendMessage") if c.error_code == 400]
    assert refused and all(c.description == "Bad Request: BALANCE_TOO_LOW" for c in refused)
    assert not limited.calls_to("sendMessage")[-1].params.get("allow_paid_broadcast")
    assert later.text == "later"
    assert await budget.take() is False  # for the rest of the UTC day


@pytest.mark.emulator(telegram_limits=True)
async def test_without_a_budget_the_flag_never_leaves(limited: BotApiEmulator) -> None:
    async with ExtBot(TOKEN, base_url=limited.base_url, rate_limiter=limiter(None)) as bot:
        await burst(bot, 30)
    assert sends(limited) == [(False, None)] * 30
