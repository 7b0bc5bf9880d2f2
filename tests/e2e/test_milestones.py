"""Milestones after a check-in: celebrated right after the thank-you, each exactly once.

The clock starts at Friday 27 November 2026, 13:00 in Berlin; the needs-and-boundaries
check-in comes on Sundays at 19:00 (18:00 UTC), the body scan every day at 22:00.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render
from progress.milestones import milestone_message
from store.models import Milestone
from tests.e2e.db import all_rows
from tests.e2e.flows import onboard, opt_in_default, press_for_toast
from tests.e2e.harness import FakeClock
from tests.e2e.practice import prompt_at, rate

SUNDAY_SEVEN_PM = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
TEN_PM_BERLIN = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)


async def _keys(database_url: str) -> set[str]:
    return {row.key for row in await all_rows(database_url, Milestone)}


async def test_celebrations_follow_the_thanks_most_notable_first(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=14001, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "needs_boundaries")
    prompt = await prompt_at(bot, clock, sam, SUNDAY_SEVEN_PM)
    thanks = await rate(sam, prompt, 5)
    expected = ["first_five:needs_boundaries", "first_weekly", "first:needs_boundaries"]
    last = milestone_message(expected[-1], "en")
    await sam.wait_for_message(lambda m: m.text == last)
    after = [m.text for m in sam.messages if m.seq > thanks.seq]
    assert after == [milestone_message(key, "en") for key in expected]
    assert await _keys(database_url) == set(expected)


async def test_a_changed_rating_celebrates_nothing(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=14002, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    prompt = await prompt_at(bot, clock, sam, TEN_PM_BERLIN)
    await rate(sam, prompt, 3)
    first = milestone_message("first:body_scan", "en")
    await sam.wait_for_message(lambda m: m.text == first)

    # A second tap to 5 would be a first 5 if it were new: it is a change, so no party.
    before = len(sam.messages)
    toast = await press_for_toast(sam, prompt, f"r:{prompt.buttons[0][1].split(':')[1]}:5")
    assert toast == render("toast_rating_changed", "en", rating=5)
    assert len(sam.messages) == before
    assert await _keys(database_url) == {"first:body_scan"}

    # Later check-ins still reach what they reach, once: the third is a total.
    for day in (1, 2):
        prompt = await prompt_at(bot, clock, sam, TEN_PM_BERLIN + timedelta(days=day))
        await rate(sam, prompt, 4)
    total = milestone_message("total_3", "en")
    await sam.wait_for_message(lambda m: m.text == total, after=0)
    texts = [m.text for m in sam.messages]
    assert texts.count(first) == 1 and texts.count(total) == 1
    assert await _keys(database_url) == {"first:body_scan", "total_3"}
