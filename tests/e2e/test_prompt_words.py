"""A prompt speaks of the part of the day it actually arrives in: at the time the person
chose, after Later, behind a discreet Open, and when shown again after a tap.

The clock starts at Friday 27 November 2026, 13:00 in Berlin (12:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render, ritual_text
from store.db import create_engine, session_factory
from store.models import Prompt, Subscription
from tests.e2e.db import all_rows
from tests.e2e.flows import button_data, is_prompt, onboard, opt_in_default, tick_at
from tests.e2e.harness import FakeClock

HALF_PAST_FOUR_BERLIN = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)
SEVEN_PM_BERLIN = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)


def _is_discreet(message: object) -> bool:
    return any(data.startswith("open:") for data in button_data(message))


async def _only_the_part_of_day_prompt_left(database_url: str, key: str) -> int:
    """Leave one prompt in the person's cycle: the one that says "{part_of_day}"."""
    prompts = ritual_text(key).prompts
    [index] = [n for n, prompt in enumerate(prompts) if "{part_of_day}" in prompt]
    shown = ((1 << len(prompts)) - 1) & ~(1 << index)
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            await session.execute(update(Subscription).values(cycle_shown=shown))
    finally:
        await engine.dispose()
    return index


async def test_the_part_of_the_day_follows_the_prompt_through_later_and_open(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=9301, first_name="Sam")
    await onboard(sam, discreet=True)
    page = await opt_in_default(sam, "daily_checkin")
    await sam.press(page, callback_data="ask:daily_checkin")
    await sam.wait_for_message(lambda m: "daily check-in" in m.text.lower())
    await sam.send("16:30")  # moved from the evening to the afternoon
    await sam.wait_for_message(lambda m: "16:30" in m.text)
    index = await _only_the_part_of_day_prompt_left(database_url, "daily_checkin")

    await tick_at(bot, clock, HALF_PAST_FOUR_BERLIN)
    discreet = await sam.wait_for_message(_is_discreet)
    assert discreet.text.splitlines()[0] == render("discreet_prompt_afternoon", "en")
    [prompt] = await all_rows(database_url, Prompt)
    assert prompt.variant == index
    await sam.press(discreet, callback_data=f"open:{prompt.id}")
    opened = await sam.wait_for_edit(discreet)
    assert is_prompt(opened)
    assert "this afternoon" in opened.text and "{" not in opened.text

    # Later, to 19:00: the message keeps the words it was sent with...
    await sam.press(opened, callback_data=f"later:{prompt.id}")
    choices = await sam.wait_for_edit(opened)
    assert f"snz:{prompt.id}:eve" in button_data(choices)
    await sam.press(choices, callback_data=f"snz:{prompt.id}:eve")
    snoozed = await sam.wait_for_edit(choices)
    assert "this afternoon" in snoozed.text and "19:00" in snoozed.text

    # ...and the same prompt comes back in the evening, saying so, on the lock screen too.
    await tick_at(bot, clock, SEVEN_PM_BERLIN)
    back = await sam.wait_for_message(_is_discreet)
    assert back.text.splitlines()[0] == render("discreet_prompt_evening", "en")
    await sam.press(back, callback_data=f"open:{prompt.id}")
    evening = await sam.wait_for_edit(back)
    assert "this evening" in evening.text and "this afternoon" not in evening.text
    assert evening.text.replace("this evening", "this afternoon") == opened.text

    await sam.press(evening, callback_data=f"r:{prompt.id}:4")
    answered = await sam.wait_for_edit(evening)
    assert "this evening" in answered.text
    [row] = await all_rows(database_url, Prompt)
    assert (row.id, row.variant, row.state) == (prompt.id, index, "answered")
