"""Milestones after a check-in: celebrated right after the thank-you, each exactly once;
never for how often someone practised, and coming back is welcomed without counting.

The clock starts at Friday 27 November 2026, 13:00 in Berlin; the needs-and-boundaries
check-in comes on Sundays at 19:00 (18:00 UTC), the body scan every day at 22:00.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render
from progress.milestones import milestone_message
from store.check_ins import sealed_practice
from store.db import session_factory
from store.models import CheckIn, User
from store.person_keys import key_to_seal
from store.progress import add_milestones, history
from tests.databases import keyring_for
from tests.e2e.db import keyed_session, opened_milestones, rows_read, statements_run
from tests.e2e.flows import (
    button_data,
    is_prompt,
    onboard,
    opt_in_default,
    press_for_edit,
    press_for_toast,
    settled,
)
from tests.e2e.harness import FakeClock
from tests.e2e.practice import prompt_at, rate

SUNDAY_SEVEN_PM = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
TEN_PM_BERLIN = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)


async def _keys(database_url: str) -> set[str]:
    return {row.key for row in await opened_milestones(database_url)}


async def test_celebrations_follow_the_thanks_most_notable_first(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=14001, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "needs_boundaries")
    prompt = await prompt_at(bot, clock, sam, SUNDAY_SEVEN_PM)
    thanks = await rate(sam, prompt, 5)
    expected = ["first_weekly", "first:needs_boundaries"]  # a first 5 is no milestone
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

    # A second tap is a change: it reaches nothing, whatever it is.
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


async def _turn(person: Any, thanks: Any) -> list[str | None]:
    """Every message that followed a thank-you, once the bot has handled everything."""
    await settled(person)
    return [m.text for m in person.messages if m.seq > thanks.seq][:-1]  # not the sentinel's


async def test_practising_most_days_of_a_week_is_not_graded(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=14003, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    turns = []
    # Friday to Tuesday: by Monday, 4 of the last 7 days (what four_of_seven once praised).
    for day in range(5):
        prompt = await prompt_at(bot, clock, sam, TEN_PM_BERLIN + timedelta(days=day))
        turns.append(await _turn(sam, await rate(sam, prompt, 5)))
    assert turns == [
        [milestone_message("first:body_scan", "en")],
        [],
        [milestone_message("total_3", "en")],
        [],
        [],
    ]
    assert await _keys(database_url) == {"first:body_scan", "total_3"}


async def test_coming_back_after_two_weeks_is_welcomed_once_without_counting(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=14004, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "daily_checkin")  # 20:00 in Berlin
    await opt_in_default(sam, "body_scan")  # 22:00
    eight_pm = datetime(2026, 11, 27, 19, 0, 5, tzinfo=UTC)
    await rate(sam, await prompt_at(bot, clock, sam, eight_pm), 3)
    await settled(sam)

    # Two weeks later to the day: 13 days between, so this is no coming back yet.
    thanks = await rate(sam, await prompt_at(bot, clock, sam, eight_pm + timedelta(days=14)), 3)
    assert await _turn(sam, thanks) == []

    # Fifteen days after that, 14 whole days lie between: welcomed, most notable first.
    back = eight_pm + timedelta(days=29)
    thanks = await rate(sam, await prompt_at(bot, clock, sam, back), 2)
    welcome = milestone_message("welcome_back:2026-12-26", "en")
    assert await _turn(sam, thanks) == [welcome, milestone_message("total_3", "en")]
    assert not re.search(r"\d|\bdays?\b|\bweeks?\b|\bwhile\b|\baway\b", welcome)
    # The same evening's next check-in belongs to the same return: no second welcome.
    thanks = await rate(sam, await prompt_at(bot, clock, sam, back + timedelta(hours=2)), 4)
    assert await _turn(sam, thanks) == [milestone_message("first:body_scan", "en")]
    assert [m.text for m in sam.messages].count(welcome) == 1
    assert {key for key in await _keys(database_url) if key.startswith("welcome")} == {
        "welcome_back:2026-12-26"
    }


async def test_milestones_of_retired_kinds_are_kept_and_never_celebrated(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=14005, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    # Reached before they were retired, one of them held back on a hard night.
    engine, ring = create_async_engine(database_url), keyring_for(database_url)
    async with session_factory(engine, ring)() as session, session.begin():
        user = await session.scalar(select(User).where(User.telegram_id == sam.user_id))
        assert user is not None
        reached = TEN_PM_BERLIN - timedelta(days=3)
        for key, held in (("four_of_seven:2026-W47", True), ("first_five:body_scan", False)):
            await add_milestones(session, user_id=user.id, keys=[key], now=reached, held=held)
    await engine.dispose()
    await ring.dispose()

    thanks = await rate(sam, await prompt_at(bot, clock, sam, TEN_PM_BERLIN), 4)
    assert await _turn(sam, thanks) == [milestone_message("first:body_scan", "en")]
    rows = {row.key: row.held for row in await opened_milestones(database_url)}
    assert rows == {
        "four_of_seven:2026-W47": False,  # released, without a word
        "first_five:body_scan": False,
        "first:body_scan": False,
    }


async def _practised(
    database_url: str, person: Any, moments: list[datetime], reached: list[str]
) -> None:
    """Check-ins of breath at these moments, and the milestones they reached, as if lived."""
    async with keyed_session(database_url) as session, session.begin():
        user = await session.scalar(select(User).where(User.telegram_id == person.user_id))
        assert user is not None
        key = await key_to_seal(session, user_id=user.id)
        rows = [
            {"user_id": user.id, **sealed_practice(key, "breath", 1 + n % 5),
             "practiced_at": at, "created_at": at, "updated_at": at}
            for n, at in enumerate(sorted(moments))
        ]  # fmt: skip
        await session.execute(insert(CheckIn), rows)
        await add_milestones(session, user_id=user.id, keys=reached, now=min(moments))


async def test_a_rating_and_history_read_as_much_after_thousands_of_check_ins_as_a_few(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=14006, first_name="Sam")
    alex = emulator.user(user_id=14007, first_name="Alex")
    for person in (sam, alex):
        await onboard(person)
        await opt_in_default(person, "body_scan")
    # The same twelve mornings of breath lately; before them, Alex practised for a year.
    lately = [TEN_PM_BERLIN - timedelta(days=day, hours=13) for day in range(1, 13)]
    long_ago = [TEN_PM_BERLIN - timedelta(days=40, hours=3 * n) for n in range(2_988)]
    firsts = ["first:breath", "total_3", "total_7"]
    await _practised(database_url, sam, lately, firsts)
    await _practised(database_url, alex, lately + long_ago, [*firsts, "total_14", "total_100"])

    prompts = {}
    mark = {person.user_id: person.mark() for person in (sam, alex)}
    await prompt_at(bot, clock, sam, TEN_PM_BERLIN)
    for person in (sam, alex):
        prompts[person.user_id] = await person.wait_for_message(
            is_prompt, after=mark[person.user_id]
        )
    read = {}
    for person in (sam, alex):
        with rows_read() as tap:
            await rate(person, prompts[person.user_id], 4)
        await settled(person)
        mark = person.mark()
        with rows_read() as page:
            await person.send("/history")
            first = await person.wait_for_message(lambda m: bool(m.buttons), after=mark)
        with rows_read() as older:
            await press_for_edit(person, first, button_data(first)[0])
        read[person.user_id] = (tap[0], page[0], older[0])
    assert read[alex.user_id] == read[sam.user_id]
    # What the count would be if a rating read the whole history, as it once did.
    with rows_read() as rows:
        async with keyed_session(database_url) as session:
            alex_id = await session.scalar(select(User.id).where(User.telegram_id == 14007))
            assert alex_id is not None
            assert len(await history(session, user_id=alex_id)) == 3_001
    assert rows[0] > 3_000 > 30 * max(read[alex.user_id])
    # Each reached the first body scan, and nothing else.
    reached = [m.key for m in await opened_milestones(database_url)]
    assert reached.count("first:body_scan") == 2


def _reads(statements: list[str], marks: str) -> int:
    """How many of `statements` read check-ins and hold `marks` (a piece of their SQL)."""
    return sum(1 for sql in statements if sql.lstrip().startswith("SELECT") and marks in sql)


async def test_a_rating_looks_up_only_what_it_needs_once(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock
) -> None:
    sam = emulator.user(user_id=14020, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    prompt = await prompt_at(bot, clock, sam, TEN_PM_BERLIN)
    with statements_run() as first:
        thanked = await rate(sam, prompt, 4)
    [change] = [d for d in button_data(thanked) if d.startswith("r:") and d.endswith(":2")]
    with statements_run() as changed:
        await press_for_edit(sam, thanked, change)
    by_prompt = "check_ins.prompt_id ="
    before = "ORDER BY check_ins.created_at DESC"
    # A first rating stores the check-in without looking for one: only an answered prompt
    # has one. A changed rating finds it.
    assert _reads(first, by_prompt) == 0
    assert _reads(changed, by_prompt) == 1
    # The check-in before it is read once, for the care check and the milestones both.
    assert _reads(first, before) == 1
    # Every statement counts (bench_tap.py: a tap's CPU goes mostly to running them). A
    # first rating here also makes the person's key and stores milestones.
    assert (len(first), len(changed)) == (13, 6), [s.split("\n")[0][:70] for s in first]
