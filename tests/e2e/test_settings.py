"""/settings: zone, pause and practices in one message, and its buttons.

The clock stands at Friday 27 November 2026, 13:00 in Berlin (12:00 UTC).
"""

from __future__ import annotations

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render, ritual_text
from tests.e2e.flows import button_data, onboard, opt_in_default, press_for_edit


def _line(key: str, schedule: str, next_time: str, *, paused: bool = False) -> str:
    text = "settings_line_paused" if paused else "settings_line"
    return render(text, "en", name=ritual_text(key, "en").name, schedule=schedule, next=next_time)


async def test_settings_show_zone_pause_and_each_practice(
    bot: AttuneApp, emulator: BotApiEmulator
) -> None:
    sam = emulator.user(user_id=9001, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    page = await opt_in_default(sam, "small_wins")  # Fridays at 18:00
    ask = await press_for_edit(sam, page, "rpause:small_wins")
    await press_for_edit(sam, ask, "rpause:small_wins:1d")

    await sam.send("/settings")
    shown = await sam.wait_for_message(lambda m: bool(m.buttons))
    assert "Europe/Berlin, 13:00 there now" in shown.text
    assert render("settings_not_paused", "en") in shown.text
    every_day = render("schedule_daily", "en", time="22:00")
    fridays = render("schedule_weekly", "en", day="Friday", time="18:00")
    assert _line("body_scan", every_day, "today at 22:00") in shown.text
    # Paused for a day, the weekly one comes again next Friday: the date makes that clear.
    assert _line("small_wins", fridays, "on Friday 4 December at 18:00", paused=True) in (
        shown.text
    )
    assert button_data(shown) == ["list", "tzask", "pause", "wsum", "privset", "ccask:", "lang"]
    assert len(shown.text) < 400  # it has to read on a phone

    # Pause from here: the same message shows the lengths, then when prompts start again.
    menu = await press_for_edit(sam, shown, "pause")
    await press_for_edit(sam, menu, "pause:3d")
    await sam.send("/settings")
    shown = await sam.wait_for_message(lambda m: bool(m.buttons))
    monday = render("next_on", "en", day="Monday", time="22:00")
    state = render("pause_state_next", "en", next=monday)
    assert render("settings_paused", "en", state=state) in shown.text
    assert _line("body_scan", every_day, "on Monday at 22:00") in shown.text
    assert button_data(shown) == ["list", "tzask", "resume", "wsum", "privset", "ccask:", "lang"]

    # Practices opens the list in place; Timezone asks the zone question as /timezone does.
    listing = await press_for_edit(sam, shown, "list")
    assert listing.text == render("rituals_list", "en")
    await sam.send("/settings")
    shown = await sam.wait_for_message(lambda m: bool(m.buttons))
    await sam.press(shown, callback_data="tzask")
    await sam.wait_for_message(lambda m: m.text == render("timezone_ask", "en"))
    await sam.send("Asia/Tokyo")
    await sam.wait_for_message(lambda m: "Asia/Tokyo" in m.text)

    # Resume from the overview: it says what comes next, in the new zone.
    resumed = await press_for_edit(sam, shown, "resume")
    assert resumed.text.startswith(render("resume_done", "en", lines=""))
    name = ritual_text("body_scan", "en").name
    assert render("ritual_next_line", "en", name=name, next="today at 22:00") in resumed.text
    await sam.send("/settings")
    shown = await sam.wait_for_message(lambda m: bool(m.buttons))
    assert "Asia/Tokyo, 21:00 there now" in shown.text
    assert render("settings_not_paused", "en") in shown.text
    assert _line("body_scan", every_day, "today at 22:00") in shown.text


async def test_settings_with_nothing_chosen_yet(bot: AttuneApp, emulator: BotApiEmulator) -> None:
    sam = emulator.user(user_id=9002, first_name="Sam")
    await onboard(sam, zone="America/New_York")
    await sam.send("/settings")
    shown = await sam.wait_for_message(lambda m: bool(m.buttons))
    assert "America/New_York, 07:00 there now" in shown.text
    assert render("settings_no_practices", "en") in shown.text
    assert [data for _, data in shown.buttons] == [
        "list",
        "tzask",
        "pause",
        "wsum",
        "privset",
        "ccask:",
        "lang",
    ]
