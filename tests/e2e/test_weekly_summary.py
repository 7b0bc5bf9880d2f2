"""The weekly summary: offered at the end of onboarding, changed in /settings, sent by the
dispatcher at the chosen local time as plain text (behind a neutral line and Open in
discreet mode), and held back by a pause.

The clock stands at Friday 27 November 2026, 13:00 in Berlin (12:00 UTC); the default
summary time, Sunday 18:00 in Berlin, is 29 November 17:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render, ritual_text
from progress.history import Entry
from progress.summary import weekly_summary
from scheduler.summary import WEEKLY_SUMMARY
from store.models import CheckIn, Prompt, PromptState, Subscription
from tests.e2e.db import all_rows, count
from tests.e2e.flows import (
    button_data,
    onboard,
    opt_in_default,
    press_for_edit,
    press_for_toast,
    tick_at,
)
from tests.e2e.harness import FakeClock
from tests.e2e.practice import rate

BERLIN = ZoneInfo("Europe/Berlin")
SUNDAY_SIX_PM = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
SUMMARY_TITLE = render("summary_title", "en", start="23 Nov", end="29 Nov")


async def _summary_row(database_url: str) -> Subscription | None:
    rows = await all_rows(database_url, Subscription, ritual_key=WEEKLY_SUMMARY)
    return rows[0] if rows else None


def _is_summary(message: object) -> bool:
    return str(getattr(message, "text", "")).startswith("Your week,")


async def test_yes_in_onboarding_sends_it_on_sunday_evening_once(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=11001, first_name="Sam")
    offer = await onboard(sam)
    assert offer.text == render("summary_offer", "en", day="Sunday", time="18:00")
    assert button_data(offer) == ["wsum:yes", "wsum:no"]
    assert await _summary_row(database_url) is None  # off until they say yes

    answered = await press_for_edit(sam, offer, "wsum:yes")
    assert answered.text == render("summary_offer_yes", "en", day="Sunday", time="18:00")
    row = await _summary_row(database_url)
    assert row is not None and row.active
    assert (row.weekdays, row.local_time, row.next_due_at) == ("6", "18:00", SUNDAY_SIX_PM)

    await sam.send("/settings")
    shown = await sam.wait_for_message(lambda m: bool(m.buttons))
    schedule = render("schedule_weekly", "en", day="Sunday", time="18:00")
    next_time = render("next_on", "en", day="Sunday", time="18:00")
    line = render("settings_summary_on", "en", schedule=schedule, next=next_time)
    assert line in (shown.text or "")
    # It is no ritual: not in /rituals, nor offered to file a journal note under.
    await sam.send("/rituals")
    listing = await sam.wait_for_message(lambda m: bool(m.buttons))
    assert not any(WEEKLY_SUMMARY in data for data in button_data(listing))
    await opt_in_default(sam, "kind_words")
    await sam.send("/journal")
    ask = await sam.wait_for_message(lambda m: bool(m.buttons))
    assert button_data(ask) == ["jr:kind_words"]
    await sam.send("/settings")
    shown = await sam.wait_for_message(lambda m: bool(m.buttons))
    text = shown.text or ""
    assert text.count("Weekly summary") == 1 and "weekly_summary" not in text

    mark = sam.mark()
    await tick_at(bot, clock, SUNDAY_SIX_PM - timedelta(minutes=1))
    await tick_at(bot, clock, SUNDAY_SIX_PM + timedelta(seconds=5))
    summary = await sam.wait_for_message(_is_summary, after=mark)
    assert summary.text is not None and summary.text.startswith(SUMMARY_TITLE)
    assert summary.text == weekly_summary([], BERLIN, date(2026, 11, 23), [], "en")  # quiet
    assert summary.buttons == []  # nothing to rate
    await tick_at(bot, clock, SUNDAY_SIX_PM + timedelta(hours=2))
    assert len([m for m in sam.messages if _is_summary(m)]) == 1
    [prompt] = await all_rows(database_url, Prompt, subscription_id=row.id)
    assert (prompt.state, prompt.message_id) == (PromptState.SENT, summary.message_id)

    # A forged rating on the summary names a row that is no ritual: nothing is stored.
    toast = await press_for_toast(sam, summary, f"r:{prompt.id}:3")
    assert toast == render("toast_not_yours", "en")
    toast = await press_for_toast(sam, summary, f"on:{WEEKLY_SUMMARY}")
    assert toast == render("toast_button_unknown", "en")
    assert await count(database_url, CheckIn) == 0


async def test_no_in_onboarding_keeps_it_off_and_settings_turn_it_on_at_a_chosen_time(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=11002, first_name="Sam")
    offer = await onboard(sam)
    answered = await press_for_edit(sam, offer, "wsum:no")
    assert answered.text == render("summary_offer_no", "en")
    assert await _summary_row(database_url) is None

    await sam.send("/settings")
    shown = await sam.wait_for_message(lambda m: bool(m.buttons))
    assert render("settings_summary_off", "en") in (shown.text or "")
    page = await press_for_edit(sam, shown, "wsum")
    assert button_data(page) == ["wsum:on", "settings"]
    page = await press_for_edit(sam, page, "wsum:on")
    assert button_data(page) == ["wsdays", "wstime", "wsum:off", "settings"]
    sunday = render("schedule_weekly", "en", day="Sunday", time="18:00")
    assert f"On: {sunday}." in page.text

    days = await press_for_edit(sam, page, "wsdays")
    days = await press_for_edit(sam, days, "wsday:2")  # Wednesday
    assert "✓ Wed" in [label for label, _ in days.buttons]
    page = await press_for_edit(sam, days, "wsum")
    await sam.press(page, callback_data="wstime")
    await sam.wait_for_message(lambda m: m.text == render("summary_ask_time", "en"))
    await sam.send("8.30 pm")
    wednesday = render("schedule_weekly", "en", day="Wednesday", time="20:30")
    confirmed = await sam.wait_for_message(lambda m: wednesday in (m.text or ""))
    assert button_data(confirmed) == ["wsdays", "wstime", "wsum:off", "settings"]
    row = await _summary_row(database_url)
    assert row is not None and (row.weekdays, row.local_time) == ("2", "20:30")
    wednesday_evening = datetime(2026, 12, 2, 19, 30, tzinfo=UTC)
    assert row.next_due_at == wednesday_evening

    # Sunday's default time passes quietly; Wednesday 20:30 brings it.
    mark = sam.mark()
    await tick_at(bot, clock, SUNDAY_SIX_PM + timedelta(seconds=5))
    await tick_at(bot, clock, wednesday_evening + timedelta(seconds=5))
    summary = await sam.wait_for_message(_is_summary, after=mark)
    assert summary.text is not None
    assert summary.text.startswith(render("summary_title", "en", start="26 Nov", end="2 Dec"))
    assert len([m for m in sam.messages if _is_summary(m)]) == 1

    # Off again from its page; Back shows the overview in place.
    await sam.send("/settings")
    shown = await sam.wait_for_message(lambda m: bool(m.buttons))
    page = await press_for_edit(sam, shown, "wsum")
    page = await press_for_edit(sam, page, "wsum:off")
    assert button_data(page) == ["wsum:on", "settings"]
    row = await _summary_row(database_url)
    assert row is not None and not row.active and row.next_due_at is None
    overview = await press_for_edit(sam, page, "settings")
    assert render("settings_summary_off", "en") in overview.text
    # The day and time are kept for when it is turned on again.
    toast = await press_for_toast(sam, overview, "wstime")
    assert toast == render("toast_summary_off", "en")
    page = await press_for_edit(sam, overview, "wsum")
    again = render("schedule_weekly", "en", day="Wednesday", time="20:30")
    assert again in page.text


async def test_a_pause_holds_the_summary_back_too(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=11003, first_name="Sam")
    offer = await onboard(sam)
    await press_for_edit(sam, offer, "wsum:yes")
    await sam.send("/pause")
    menu = await sam.wait_for_message(lambda m: bool(m.buttons))
    await press_for_edit(sam, menu, "pause:3d")  # until Monday 30 November, 13:00
    row = await _summary_row(database_url)
    assert row is not None and row.next_due_at == SUNDAY_SIX_PM + timedelta(days=7)

    mark = sam.mark()
    await tick_at(bot, clock, SUNDAY_SIX_PM + timedelta(seconds=5))
    assert [m for m in sam.messages[mark:] if _is_summary(m)] == []
    assert await count(database_url, Prompt) == 0

    # Until /resume: no next time at all, and /settings says what brings it back.
    await sam.send("/pause")
    menu = await sam.wait_for_message(lambda m: bool(m.buttons))
    await press_for_edit(sam, menu, "pause:open")
    row = await _summary_row(database_url)
    assert row is not None and row.next_due_at is None
    await sam.send("/settings")
    shown = await sam.wait_for_message(lambda m: bool(m.buttons))
    schedule = render("schedule_weekly", "en", day="Sunday", time="18:00")
    resumed = render("next_when_resumed", "en")
    line = render("settings_summary_on", "en", schedule=schedule, next=resumed)
    assert line in (shown.text or "")
    await sam.send("/resume")
    await sam.wait_for_message()
    row = await _summary_row(database_url)
    assert row is not None and row.next_due_at == SUNDAY_SIX_PM + timedelta(days=7)


async def test_a_discreet_summary_shows_a_neutral_line_until_open(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=11004, first_name="Sam")
    offer = await onboard(sam, discreet=True)
    await press_for_edit(sam, offer, "wsum:yes")
    await opt_in_default(sam, "kind_words")  # every day at 09:00 in Berlin
    saturday = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    await tick_at(bot, clock, saturday)
    discreet_prompt = await sam.wait_for_message(lambda m: "open:" in str(m.buttons))
    opened = await press_for_edit(sam, discreet_prompt, button_data(discreet_prompt)[0])
    await rate(sam, opened, 4)

    mark = sam.mark()
    await tick_at(bot, clock, SUNDAY_SIX_PM + timedelta(seconds=5))
    [summary] = [m for m in sam.messages[mark:] if m.buttons]
    # What a lock screen shows: the same neutral line as any discreet prompt, naming no
    # practice and no week.
    assert summary.text == "\n".join(
        [render("discreet_prompt_evening", "en"), render("discreet_prompt_tail", "en")]
    )
    [row] = await all_rows(database_url, Subscription, ritual_key=WEEKLY_SUMMARY)
    [prompt] = await all_rows(database_url, Prompt, subscription_id=row.id)
    assert button_data(summary) == [f"open:{prompt.id}"]
    assert emulator.calls_to("sendMessage")[-1].params.get("protect_content") is True

    # Someone else's tap shows them nothing.
    other = emulator.user(user_id=11005, first_name="Alex")
    toast = await press_for_toast(sam, summary, f"open:{prompt.id}", as_user=other)
    assert toast == render("toast_not_yours", "en")
    # Two days on, when a prompt would long have closed, Sam's tap still opens it in place:
    # a summary is a look back, and stays one.
    await tick_at(bot, clock, SUNDAY_SIX_PM + timedelta(days=2))
    [prompt] = await all_rows(database_url, Prompt, subscription_id=row.id)
    assert prompt.state == PromptState.EXPIRED
    shown = await press_for_edit(sam, summary, f"open:{prompt.id}")
    week = date(2026, 11, 23)
    entries, reached = [Entry("kind_words", 4, saturday)], ["first:kind_words"]
    assert shown.text == weekly_summary(entries, BERLIN, week, reached, "en")
    label = ritual_text("kind_words", "en").labels[4]
    assert f"{ritual_text('kind_words', 'en').name}: it felt “{label}”." in shown.text
    assert shown.buttons == []
