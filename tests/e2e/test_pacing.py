"""Gentle pacing through the real bot: after four bedtime body scans left untouched, the
fifth night brings one kind question instead of the prompt; each of its buttons, and
every way of pressing one wrongly.

The clock starts on Friday 27 November 2026, 13:00 in Berlin; the body scan comes every
day at 22:00 (21:00 UTC). The question comes on Tuesday 1 December at 22:00.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render, ritual_text
from store.models import CheckIn, Prompt, Subscription
from tests.e2e.db import all_rows, count
from tests.e2e.flows import (
    button_data,
    is_prompt,
    onboard,
    opt_in_default,
    press_for_edit,
    press_for_toast,
    settled,
    tick_at,
)
from tests.e2e.harness import FakeClock

NIGHT = datetime(2026, 11, 27, 21, 0, 5, tzinfo=UTC)  # each due time, five seconds on
DAY = timedelta(days=1)
ASKED_AT = NIGHT + 4 * DAY - timedelta(seconds=5)
NAME = ritual_text("body_scan", "en").name
BUTTONS = ["days:body_scan", "ask:body_scan", "rpause:body_scan", "pacekeep:body_scan"]


def _asks(message: Any) -> bool:
    return "pacekeep:" in str(message.buttons)


async def _nights(bot: AttuneApp, clock: FakeClock, person: Any, nights: range) -> list[Any]:
    """Tick at each night's due time; what each brought (one message a night)."""
    brought = []
    for night in nights:
        mark = person.mark()
        await tick_at(bot, clock, NIGHT + night * DAY)
        brought.append(await person.wait_for_message(lambda m: bool(m.buttons), after=mark))
    return brought


async def _asked(bot: AttuneApp, clock: FakeClock, person: Any, *, discreet: bool = False) -> Any:
    """Onboard, turn the body scan on, leave four nights' prompts untouched: the question."""
    await onboard(person, discreet=discreet)
    await opt_in_default(person, "body_scan")
    untouched = await _nights(bot, clock, person, range(4))
    assert all(is_prompt(m) or button_data(m)[0].startswith("open:") for m in untouched)
    [question] = await _nights(bot, clock, person, range(4, 5))
    return question


async def _sub(database_url: str) -> Subscription:
    [sub] = await all_rows(database_url, Subscription, ritual_key="body_scan")
    return sub


def _schedule(sub: Subscription) -> tuple[object, ...]:
    return (sub.weekdays, sub.local_time, sub.paused_until, sub.next_due_at, sub.active)


async def test_the_question_comes_once_instead_of_the_prompt(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=13001, first_name="Sam")
    question = await _asked(bot, clock, sam)
    assert question.text == render("pacing_offer", "en", name=NAME)
    assert question.text.splitlines()[0] == f"A small thought about {NAME}, whenever suits you."
    assert button_data(question) == BUTTONS
    assert [label for label, _ in question.buttons] == [
        "Fewer days",
        "Another time",
        "A pause for a while",
        "Keep it as it is",
    ]
    assert not is_prompt(question)  # in place of the prompt, not beside it
    sub = await _sub(database_url)
    assert sub.pacing_asked_at == ASKED_AT

    # Ten more untouched nights: a prompt each night, one message a night, never asked again.
    later = await _nights(bot, clock, sam, range(5, 15))
    assert all(is_prompt(m) for m in later)
    await settled(sam)
    assert len([m for m in sam.messages if _asks(m)]) == 1
    # Nothing piles up: each of the fifteen nights sent exactly one message, nothing resent.
    rows = await all_rows(database_url, Prompt, subscription_id=sub.id)
    assert sorted(r.due_at for r in rows) == [
        NIGHT - timedelta(seconds=5) + n * DAY for n in range(15)
    ]
    assert len([m for m in sam.messages if is_prompt(m) or _asks(m)]) == 15
    assert await count(database_url, CheckIn) == 0


async def test_keep_it_as_it_is_changes_nothing_and_bad_taps_change_nothing(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=13002, first_name="Sam")
    question = await _asked(bot, clock, sam)
    before = _schedule(await _sub(database_url))

    # Someone else's tap, a ritual that doesn't exist, data that matches nothing: a kind
    # toast each, and nothing changes.
    alex = emulator.user(user_id=13003, first_name="Alex")
    toast = await press_for_toast(sam, question, "pacekeep:body_scan", as_user=alex)
    assert toast == render("toast_start_first", "en")  # Alex never began
    await onboard(alex)
    toast = await press_for_toast(sam, question, "pacekeep:body_scan", as_user=alex)
    assert toast == render("toast_not_yours", "en")
    toast = await press_for_toast(sam, question, "pacekeep:no_such_ritual")
    assert toast == render("toast_button_unknown", "en")
    toast = await press_for_toast(sam, question, "pacekeep:Body-Scan")
    assert toast == render("toast_button_unknown", "en")
    sub = await _sub(database_url)
    assert _schedule(sub) == before and sub.unanswered == 4

    kept = await press_for_edit(sam, question, "pacekeep:body_scan")
    next_time = render("next_tomorrow", "en", time="22:00")
    assert kept.text == render("pacing_kept", "en", name=NAME, next=next_time)
    assert kept.buttons == []
    sub = await _sub(database_url)
    assert _schedule(sub) == before
    assert (sub.unanswered, sub.pacing_asked_at) == (0, ASKED_AT)

    # A stale tap, once the ritual is off: said kindly, nothing turned back on.
    await sam.send("/rituals")
    listing = await sam.wait_for_message(lambda m: "rit:body_scan" in button_data(m))
    page = await press_for_edit(sam, listing, "rit:body_scan")
    await press_for_edit(sam, page, "off:body_scan")
    toast = await press_for_toast(sam, kept, "pacekeep:body_scan")
    assert toast == render("toast_ritual_off", "en")
    assert not (await _sub(database_url)).active


async def test_fewer_days_opens_the_days_and_saves_only_a_tapped_one(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=13004, first_name="Sam")
    question = await _asked(bot, clock, sam)
    before = _schedule(await _sub(database_url))
    days = await press_for_edit(sam, question, "days:body_scan")
    assert button_data(days)[:7] == [f"day:body_scan:{d}" for d in range(7)]
    assert _schedule(await _sub(database_url)) == before  # nothing without a day tapped
    await press_for_edit(sam, days, "day:body_scan:2")  # no more Wednesdays
    sub = await _sub(database_url)
    assert sub.weekdays == "013456"
    assert sub.next_due_at == datetime(2026, 12, 3, 21, 0, tzinfo=UTC)  # Thursday


async def test_another_time_asks_and_moves_it(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=13005, first_name="Sam")
    question = await _asked(bot, clock, sam)
    await sam.press(question, callback_data="ask:body_scan")
    example = "22:00"
    ask = render("ritual_ask_time", "en", name=NAME, example=example)
    await sam.wait_for_message(lambda m: m.text == ask)
    assert (await _sub(database_url)).local_time == "22:00"
    await sam.send("21:15")
    await sam.wait_for_message(lambda m: "21:15" in (m.text or ""))
    sub = await _sub(database_url)
    assert (sub.local_time, sub.weekdays) == ("21:15", "0123456")
    assert sub.next_due_at == datetime(2026, 12, 2, 20, 15, tzinfo=UTC)


async def test_a_pause_of_that_ritual_alone(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=13006, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "breath")  # every day at 08:00: it carries on
    question = await _asked_after_onboarding(bot, clock, sam)
    lengths = await press_for_edit(sam, question, "rpause:body_scan")
    assert "rpause:body_scan:7d" in button_data(lengths)
    assert (await _sub(database_url)).paused_until is None  # nothing without a length
    await press_for_edit(sam, lengths, "rpause:body_scan:7d")
    sub = await _sub(database_url)
    assert sub.paused_until == clock.now + 7 * DAY
    assert sub.next_due_at == ASKED_AT + 8 * DAY
    [breath] = await all_rows(database_url, Subscription, ritual_key="breath")
    assert breath.paused_until is None and breath.next_due_at is not None


async def _asked_after_onboarding(bot: AttuneApp, clock: FakeClock, person: Any) -> Any:
    """As _asked, for someone already onboarded with another ritual on too."""
    await opt_in_default(person, "body_scan")
    for night in range(5):
        mark = person.mark()
        await tick_at(bot, clock, NIGHT + night * DAY)
        if night == 4:
            return await person.wait_for_message(_asks, after=mark)
        await person.wait_for_message(is_prompt, after=mark)
    raise AssertionError("unreachable")


async def test_discreet_the_question_hides_behind_open_like_a_prompt(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=13007, first_name="Sam")
    neutral = await _asked(bot, clock, sam, discreet=True)
    assert neutral.text == "\n".join(
        [render("discreet_prompt_evening", "en"), render("discreet_prompt_tail", "en")]
    )
    sub = await _sub(database_url)
    [row] = await all_rows(database_url, Prompt, subscription_id=sub.id, due_at=ASKED_AT)
    assert button_data(neutral) == [f"open:{row.id}"]
    # A rating forged onto it finds nothing to rate.
    toast = await press_for_toast(sam, neutral, f"r:{row.id}:3")
    assert toast == render("toast_not_yours", "en")
    assert await count(database_url, CheckIn) == 0
    opened = await press_for_edit(sam, neutral, f"open:{row.id}")
    assert opened.text == render("pacing_offer", "en", name=NAME)
    assert button_data(opened) == BUTTONS
    kept = await press_for_edit(sam, opened, "pacekeep:body_scan")
    assert kept.text.startswith("Of course.")
