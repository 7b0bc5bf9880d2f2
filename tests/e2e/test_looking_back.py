"""/progress and /history through the real application: words, a chart, pages of check-ins.

The clock starts at Friday 27 November 2026, 13:00 in Berlin; the body scan is due at
22:00 Berlin (21:00 UTC) every day.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import matplotlib.image
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render, ritual_text
from store.models import CheckIn, User
from tests.e2e.db import all_rows
from tests.e2e.flows import button_data, onboard, opt_in_default, press_for_edit, press_for_toast
from tests.e2e.harness import FakeClock
from tests.e2e.practice import prompt_at, rate, sent_photos, write_note

TEN_PM_BERLIN = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def _week_of_body_scans(
    bot: AttuneApp, clock: FakeClock, person: Any, notes: dict[int, str]
) -> None:
    """Seven evenings of body scans rated 2, 3, 4, 2, 3, 4, 2; a note on some of them."""
    for day in range(7):
        prompt = await prompt_at(bot, clock, person, TEN_PM_BERLIN + timedelta(days=day))
        await rate(person, prompt, 2 + day % 3)
        if day in notes:
            await write_note(person, notes[day])


async def _set_discreet(database_url: str, telegram_id: int, discreet: bool) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(User).where(User.telegram_id == telegram_id).values(discreet=discreet)
            )
    finally:
        await engine.dispose()


async def test_with_nothing_yet_progress_is_a_warm_word_and_no_chart(
    bot: AttuneApp, emulator: BotApiEmulator
) -> None:
    sam = emulator.user(user_id=13001, first_name="Sam")
    await onboard(sam)
    await sam.send("/progress")
    assert (await sam.wait_for_message()).text == render("progress_empty", "en")
    await sam.send("/history")
    empty = await sam.wait_for_message()
    assert (empty.text, empty.buttons) == (render("history_empty", "en"), [])
    await sam.send("/help")
    help_text = (await sam.wait_for_message()).text or ""
    assert "/progress" in help_text and "/history" in help_text
    assert emulator.calls_to("sendPhoto") == []


async def test_progress_sends_words_and_a_chart_named_only_outside_discreet_mode(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=13002, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    await _week_of_body_scans(bot, clock, sam, {})
    name = ritual_text("body_scan", "en").name
    await _set_discreet(database_url, sam.user_id, True)

    mark = sam.mark()
    await sam.send("/progress")
    title = render("progress_title", "en")
    words = await sam.wait_for_message(lambda m: (m.text or "").startswith(title), after=mark)
    assert render("progress_totals", "en", total=7, month=3) in (words.text or "")  # 1-3 December
    await emulator.wait_for_call("sendPhoto", lambda c: c.ok)
    [(call, png)] = sent_photos(emulator, sam.chat_id)
    assert png.startswith(PNG_SIGNATURE)
    # A week of one practice: the recent chart over 14 days, sized for a phone.
    assert matplotlib.image.imread(io.BytesIO(png), format="png").shape[:2] == (602, 720)
    # With discreet mode (the default for a newcomer), the caption names no practice.
    assert call.params["caption"] == render("chart_caption_discreet", "en")
    assert name not in call.params["caption"]

    await _set_discreet(database_url, sam.user_id, False)
    await sam.send("/progress")
    await emulator.wait_for_call(
        "sendPhoto", lambda c: c.ok and name in str(c.params.get("caption"))
    )
    [_, (named, _)] = sent_photos(emulator, sam.chat_id)
    assert named.params["caption"] == render("chart_caption", "en", days=14, names=name)


async def test_history_pages_newest_first_with_the_persons_own_notes(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=13003, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    await _week_of_body_scans(bot, clock, sam, {0: "The very first one.", 6: "Lighter today."})
    # Oldest first: a page's button names the check-in at its edge.
    ids = [row.id for row in sorted(await all_rows(database_url, CheckIn), key=_practiced)]

    await sam.send("/history")
    first = await sam.wait_for_message(lambda m: (m.text or "").startswith("Your check-ins"))
    assert first.text is not None
    assert first.text.startswith(render("history_title", "en", page=1))
    lines = first.text.splitlines()
    assert "Thu 3 Dec, 22:00" in lines[1]  # the newest first
    assert render("history_note", "en", note="Lighter today.") == lines[2]
    assert "The very first one." not in first.text
    assert button_data(first) == [f"hist:o:{ids[2]}:0"]  # older than the fifth newest

    older = await press_for_edit(sam, first, f"hist:o:{ids[2]}:0")
    assert older.text.startswith(render("history_title", "en", page=2))
    assert "Fri 27 Nov, 22:00" in older.text and "Sat 28 Nov, 22:00" in older.text
    assert "Sun 29 Nov" not in older.text
    assert render("history_note", "en", note="The very first one.") in older.text
    assert button_data(older) == [f"hist:n:{ids[1]}:1"]
    newer = await press_for_edit(sam, older, f"hist:n:{ids[1]}:1")
    assert newer.text == first.text and button_data(newer) == button_data(first)

    # A forged or stale button (a check-in that is not Sam's, nothing older than the oldest,
    # a page number from before paging was by check-in) gets a kind word; nothing changes.
    stale = render("toast_button_unknown", "en")
    edits = len(emulator.calls_to("editMessageText"))
    for data in ("hist:o:999999999:0", f"hist:o:{ids[0]}:1", "hist:1"):
        assert await press_for_toast(sam, newer, data) == stale
    assert len(emulator.calls_to("editMessageText")) == edits
    assert sam.stored(newer).raw["text"] == first.text

    # Someone else pressing Sam's buttons sees nothing of Sam's and changes nothing.
    alex = emulator.user(user_id=13004, first_name="Alex")
    await onboard(alex)
    toast = await press_for_toast(sam, newer, f"hist:o:{ids[2]}:0", as_user=alex)
    assert toast == render("toast_not_yours", "en")
    await alex.send("/history")
    assert (await alex.wait_for_message()).text == render("history_empty", "en")


def _practiced(row: CheckIn) -> tuple[datetime, int]:
    return row.practiced_at, row.id
