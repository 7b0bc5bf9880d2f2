"""Telegram's overall send limits as the emulator models them: 30 a second free, then 429
with retry_after; with allow_paid_broadcast up to 1,000 a second, 0.1 Stars each past the
free ones, paid from a balance getMyStarBalance reads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest

from emulator import ApiError, BotApiEmulator
from emulator.dispatch import validator
from emulator.limits import FREE_PER_SECOND, PAID_PER_SECOND, SendLimits, star_amount
from tests.emulator.test_http_api import call, ok
from tests.emulators import TOKEN

CHAT = 1001
TENTH = 100_000_000  # 0.1 Stars in nanostars


class Clock:
    """Seconds the test sets by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_free_sends_then_429_until_the_window_has_room() -> None:
    clock = Clock()
    limits = SendLimits(clock)
    for _ in range(FREE_PER_SECOND):
        assert limits.admit(paid_allowed=False, balance_nanostars=0) is False
    with pytest.raises(ApiError) as refused:
        limits.admit(paid_allowed=False, balance_nanostars=0)
    assert refused.value.error_code == 429
    assert refused.value.parameters == {"retry_after": 1}
    assert refused.value.description == "Too Many Requests: retry after 1"
    clock.now += 0.999  # the first send is still within the last second
    with pytest.raises(ApiError):
        limits.admit(paid_allowed=False, balance_nanostars=0)
    clock.now += 0.001
    assert limits.admit(paid_allowed=False, balance_nanostars=0) is False


def test_paid_sends_past_the_free_ones_up_to_a_thousand_a_second() -> None:
    clock = Clock()
    limits = SendLimits(clock)
    plenty = 10**12
    admitted = [limits.admit(paid_allowed=True, balance_nanostars=plenty) for _ in range(1000)]
    assert admitted.count(False) == FREE_PER_SECOND  # within the regular limit: not billed
    assert admitted.count(True) == PAID_PER_SECOND - FREE_PER_SECOND
    with pytest.raises(ApiError) as refused:
        limits.admit(paid_allowed=True, balance_nanostars=plenty)
    assert refused.value.error_code == 429
    clock.now += 1.0
    assert [limits.admit(paid_allowed=True, balance_nanostars=plenty) for _ in range(31)] == [
        False
    ] * 30 + [True]


def test_paid_sends_leave_the_broadcasting_limit_to_the_others() -> None:
    limits = SendLimits(Clock())
    plenty = 10**12
    for _ in range(500):
        limits.admit(paid_allowed=True, balance_nanostars=plenty)
    admitted = [limits.admit(paid_allowed=False, balance_nanostars=0) for _ in range(30)]
    assert admitted == [False] * 30
    with pytest.raises(ApiError):
        limits.admit(paid_allowed=False, balance_nanostars=0)
    # Past the regular limit, every paid send is billed.
    assert limits.admit(paid_allowed=True, balance_nanostars=plenty) is True


def test_a_paid_send_needs_a_tenth_of_a_star() -> None:
    limits = SendLimits(Clock())
    for _ in range(FREE_PER_SECOND):
        limits.admit(paid_allowed=True, balance_nanostars=0)
    with pytest.raises(ApiError) as refused:
        limits.admit(paid_allowed=True, balance_nanostars=TENTH - 1)
    assert (refused.value.error_code, refused.value.description) == (
        400,
        "Bad Request: BALANCE_TOO_LOW",
    )
    assert limits.admit(paid_allowed=True, balance_nanostars=TENTH) is True


@pytest.mark.parametrize(
    ("nanostars", "amount"),
    [
        (0, {"amount": 0}),
        (3 * 10**9, {"amount": 3}),
        (25 * TENTH, {"amount": 2, "nanostar_amount": 5 * TENTH}),
        (-TENTH, {"amount": 0, "nanostar_amount": -TENTH}),
    ],
)
def test_star_amount_rounds_toward_zero(nanostars: int, amount: dict[str, int]) -> None:
    assert star_amount(nanostars) == amount
    validator().check("StarAmount", amount)


@pytest.fixture
async def api(emulator: BotApiEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{emulator.root_url}/bot{TOKEN}/") as client:
        yield client


async def free_burst(api: httpx.AsyncClient) -> None:
    """The free sends of one second, all at once (well within the second)."""
    await asyncio.gather(
        *(ok(api, "sendMessage", chat_id=CHAT, text=f"free {n}") for n in range(FREE_PER_SECOND))
    )


@pytest.mark.emulator(telegram_limits=True)
async def test_over_http_a_burst_is_refused_or_billed(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    emulator.user(CHAT)
    emulator.star_balance = Decimal("0.2")
    assert await ok(api, "getMyStarBalance") == {"amount": 0, "nanostar_amount": 2 * TENTH}
    await free_burst(api)
    status, body = await call(api, "sendMessage", chat_id=CHAT, text="one too many")
    assert (status, body["parameters"]) == (429, {"retry_after": 1})
    for n in range(2):
        await ok(api, "sendMessage", chat_id=CHAT, text=f"paid {n}", allow_paid_broadcast=True)
    status, body = await call(
        api, "sendMessage", chat_id=CHAT, text="no Stars left", allow_paid_broadcast=True
    )
    assert (status, body["description"]) == (400, "Bad Request: BALANCE_TOO_LOW")
    assert (emulator.billed_messages, emulator.star_balance) == (2, 0)
    assert await ok(api, "getMyStarBalance") == {"amount": 0}
    # Other methods are not sends: the limits leave them alone.
    await ok(api, "getMe")
    texts = [c.params["text"] for c in emulator.calls_to("sendMessage") if c.ok]
    assert texts[-2:] == ["paid 0", "paid 1"]


@pytest.mark.emulator(telegram_limits=True)
async def test_a_send_that_fails_is_not_billed(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    emulator.user(CHAT)
    emulator.star_balance = 5
    await free_burst(api)
    status, _ = await call(api, "sendMessage", chat_id=CHAT, text="", allow_paid_broadcast=True)
    assert status == 400
    assert (emulator.billed_messages, emulator.star_balance) == (0, 5)


async def test_without_the_model_nothing_is_limited_or_billed(
    emulator: BotApiEmulator, api: httpx.AsyncClient
) -> None:
    emulator.user(CHAT)
    for n in range(FREE_PER_SECOND + 10):
        await ok(api, "sendMessage", chat_id=CHAT, text=f"{n}", allow_paid_broadcast=True)
    assert emulator.billed_messages == 0
    assert await ok(api, "getMyStarBalance") == {"amount": 0}
