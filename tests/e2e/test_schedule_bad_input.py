"""Days and pauses: forged, stale, out-of-range or someone else's buttons change nothing."""

from __future__ import annotations

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render
from store.models import Subscription, User
from tests.e2e.db import all_rows
from tests.e2e.flows import onboard, opt_in_default, press_for_edit, press_for_toast


async def _state(database_url: str) -> list[tuple[object, ...]]:
    """Everything a stray button could change, for every person."""
    users = [(u.telegram_id, u.paused_until) for u in await all_rows(database_url, User)]
    subs = [
        (s.user_id, s.ritual_key, s.weekdays, s.active, s.paused_until, s.next_due_at)
        for s in await all_rows(database_url, Subscription)
    ]
    return sorted(users) + sorted(subs)


async def test_bad_day_and_pause_buttons_get_a_kind_toast(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=9101, first_name="Sam")
    await onboard(sam)
    page = await opt_in_default(sam, "body_scan")
    days = await press_for_edit(sam, page, "days:body_scan")
    before = await _state(database_url)

    unknown, off = render("toast_button_unknown", "en"), render("toast_ritual_off", "en")
    cases = [
        ("day:body_scan:7", unknown),  # a day index outside 0-6
        ("day:body_scan:99", unknown),
        ("preset:body_scan:fortnight", unknown),
        ("day:not_a_ritual:2", unknown),
        ("rpause:body_scan:2y", unknown),
        ("pause:forever", unknown),
        ("days:breath", off),  # a ritual that is off has no days to choose
        ("day:breath:2", off),
        ("rpause:breath:1d", off),
        ("rresume:body_scan", render("toast_ritual_not_paused", "en")),
        ("resume", render("toast_not_paused", "en")),
    ]
    for data, toast in cases:
        assert (data, await press_for_toast(sam, days, data)) == (data, toast)
    assert await _state(database_url) == before


async def test_buttons_of_others_and_of_newcomers_change_nothing(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=9102, first_name="Sam")
    await onboard(sam)
    page = await opt_in_default(sam, "body_scan")
    days = await press_for_edit(sam, page, "days:body_scan")
    bob = emulator.user(user_id=9103, first_name="Bob")
    before = await _state(database_url)

    # Bob has not begun: every button and command asks him to start first.
    for data in ("day:body_scan:2", "pause:3d", "rpause:body_scan:open", "preset:body_scan:daily"):
        toast = await press_for_toast(sam, days, data, as_user=bob)
        assert toast == render("toast_start_first", "en")
    for command in ("/pause", "/resume", "/settings"):
        await bob.send(command)
        assert (await bob.wait_for_message()).text == render("need_start", "en")
    assert await _state(database_url) == before

    # Onboarded, Bob still can't act through Sam's messages; in his own chat a forged
    # button reaches only his own (switched off) body scan.
    await onboard(bob)
    before = await _state(database_url)
    toast = await press_for_toast(sam, days, "day:body_scan:2", as_user=bob)
    assert toast == render("toast_not_yours", "en")
    bobs_chat = await bob.wait_for_message(lambda m: True, after=0)
    toast = await press_for_toast(bob, bobs_chat, "day:body_scan:2")
    assert toast == render("toast_ritual_off", "en")
    assert await _state(database_url) == before
