"""Choosing a ritual's days from its page: toggles, presets, weekly rituals, one day kept.

The clock stands at Friday 27 November 2026, 13:00 in Berlin (12:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import AttuneApp
from bot.formatting import describe_schedule
from emulator import BotApiEmulator
from messages import render
from store.models import Subscription
from tests.e2e.db import all_rows
from tests.e2e.flows import (
    button_data,
    onboard,
    opt_in_default,
    press_for_edit,
    press_for_toast,
)


def _utc(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


async def _sub(database_url: str, key: str) -> Subscription:
    [sub] = await all_rows(database_url, Subscription, ritual_key=key)
    return sub


async def test_toggles_and_presets_save_at_once_and_move_the_next_prompt(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=7001, first_name="Sam")
    await onboard(sam)
    page = await opt_in_default(sam, "body_scan")  # every day at 22:00 Berlin (21:00 UTC)
    days = await press_for_edit(sam, page, "days:body_scan")
    assert [f"day:body_scan:{d}" for d in range(7)] == button_data(days)[:7]
    assert button_data(days)[7:] == [
        "preset:body_scan:daily",
        "preset:body_scan:weekdays",
        "preset:body_scan:weekends",
        "rit:body_scan",
    ]

    # (button, stored weekdays, next prompt in UTC) after each tap, in order.
    steps = [
        ("day:body_scan:4", "012356", _utc(28, 21)),  # no Friday: tomorrow instead
        ("day:body_scan:5", "01236", _utc(29, 21)),  # nor Saturday: Sunday
        ("preset:body_scan:weekends", "56", _utc(28, 21)),
        ("preset:body_scan:weekdays", "01234", _utc(27, 21)),  # today is a weekday
        ("day:body_scan:5", "012345", _utc(27, 21)),
        ("preset:body_scan:daily", "0123456", _utc(27, 21)),
    ]
    for data, weekdays, due in steps:
        days = await press_for_edit(sam, days, data)
        sub = await _sub(database_url, "body_scan")
        assert (data, sub.weekdays, sub.next_due_at) == (data, weekdays, due)
        assert describe_schedule(weekdays, "22:00", "en") in days.text

    days = await press_for_edit(sam, days, "preset:body_scan:weekends")
    back = await press_for_edit(sam, days, "rit:body_scan")
    assert describe_schedule("56", "22:00", "en") in back.text
    assert render("next_tomorrow", "en", time="22:00") in back.text


async def test_the_last_day_stays(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=7002, first_name="Sam")
    await onboard(sam)
    page = await opt_in_default(sam, "reframing_journal")  # Tue, Thu, Sat at 21:00
    days = await press_for_edit(sam, page, "days:reframing_journal")
    days = await press_for_edit(sam, days, "day:reframing_journal:1")
    days = await press_for_edit(sam, days, "day:reframing_journal:3")
    sub = await _sub(database_url, "reframing_journal")
    assert (sub.weekdays, sub.next_due_at) == ("5", _utc(28, 20))

    toast = await press_for_toast(sam, days, "day:reframing_journal:5")
    assert toast == render("toast_keep_one_day", "en")
    sub = await _sub(database_url, "reframing_journal")
    assert (sub.weekdays, sub.next_due_at) == ("5", _utc(28, 20))


async def test_a_weekly_ritual_comes_on_exactly_one_chosen_day(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=7003, first_name="Sam")
    await onboard(sam)
    # Wednesdays at 21:00 Berlin; the longest ritual key, so the longest button data.
    page = await opt_in_default(sam, "sensory_awareness")
    sub = await _sub(database_url, "sensory_awareness")
    assert (sub.weekdays, sub.next_due_at) == ("2", _utc(2, 20, month=12))

    days = await press_for_edit(sam, page, "days:sensory_awareness")
    assert not any(data.startswith("preset:") for data in button_data(days))
    assert render("btn_day_chosen", "en", day="Wed") in [label for label, _ in days.buttons]
    days = await press_for_edit(sam, days, "day:sensory_awareness:4")  # Friday: tonight
    sub = await _sub(database_url, "sensory_awareness")
    assert (sub.weekdays, sub.next_due_at) == ("4", _utc(27, 20))
    assert render("schedule_weekly", "en", day="Friday", time="21:00") in days.text
    days = await press_for_edit(sam, days, "day:sensory_awareness:0")
    sub = await _sub(database_url, "sensory_awareness")
    assert (sub.weekdays, sub.next_due_at) == ("0", _utc(30, 20))

    # A preset, forged, would give a weekly ritual several days: refused.
    toast = await press_for_toast(sam, days, "preset:sensory_awareness:daily")
    assert toast == render("toast_button_unknown", "en")
    assert (await _sub(database_url, "sensory_awareness")).weekdays == "0"
