"""The rate limiter's paces: free messages count against paid broadcast's rate too, and a
late wake-up of the event loop is made up instead of lowering the rate."""

from __future__ import annotations

import asyncio

from bot.rate_limit import Pace


async def test_free_departures_fill_the_paid_window() -> None:
    # Telegram's 1,000 a second counts the free messages too, so a free departure takes
    # room in the paid pace's window: here the free ones alone fill it.
    paid = Pace(20)
    free = Pace(1000, within=paid)
    assert paid.open_now()
    for _ in range(20):
        await free.leave_in_turn()
    assert not paid.open_now(), "20 free departures use the paid pace's 20 a second"
    alone = Pace(20)
    for _ in range(20):
        await Pace(1000).leave_in_turn()
    assert alone.open_now(), "a pace within nothing fills no other window"


async def test_the_next_departure_may_leave_just_before_its_turn() -> None:
    # A departure may leave up to 2 ms before its turn on the even spacing, so one woken a
    # little late (the loop wakes sleepers at whole milliseconds) does not delay the next
    # and the pace keeps its rate. Checked 1.5 ms before the turn, on a fresh pace each try
    # (a busy machine may pause this test past the turn: then that try does not count).
    loop = asyncio.get_running_loop()
    for _ in range(20):
        pace = Pace(90)  # 10 ms apart
        await pace.leave_in_turn()
        turn = loop.time() + 0.9 / 90
        while loop.time() < turn - 0.0015:
            pass  # not a sleep: the loop would wake this only at the next whole ms
        early = pace.open_now()
        if loop.time() < turn:
            assert early, "1.5 ms before its turn, the next may leave"
            return
    raise AssertionError("never checked before the turn")
