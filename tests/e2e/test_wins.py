"""Naming a step after a small-wins or needs-and-boundaries check-in: an optional tap on the
thank-you, kept with the check-in, celebrated the first time of each kind.

The clock starts at Friday 27 November 2026, 13:00 in Berlin; small wins come on Fridays at
18:00 (17:00 UTC), the needs-and-boundaries check-in on Sundays at 19:00 (18:00 UTC).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render
from progress.milestones import milestone_message
from progress.wins import WIN_KINDS
from tests.e2e.db import opened_check_ins, opened_milestones
from tests.e2e.flows import button_data, onboard, opt_in_default, press_for_toast, settled
from tests.e2e.harness import FakeClock
from tests.e2e.practice import check_in_id, prompt_at, rate

FRIDAY_SIX_PM = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
SUNDAY_SEVEN_PM = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
CARE_BUTTONS = ["ground:yes", "ground:no"]


def _win_data(thanks: Any) -> dict[str, str]:
    """The kind of step each win button names -> its callback data."""
    return {d.rsplit(":", 1)[1]: d for d in button_data(thanks) if d.startswith("win:")}


async def _thanks_on(
    bot: AttuneApp, clock: FakeClock, person: Any, when: datetime, rating: int = 4
) -> Any:
    return await rate(person, await prompt_at(bot, clock, person, when), rating)


async def _wins(database_url: str) -> list[str | None]:
    return [row.win for row in sorted(await opened_check_ins(database_url), key=lambda r: r.id)]


async def _milestones(database_url: str) -> set[str]:
    return {row.key for row in await opened_milestones(database_url)}


async def test_naming_a_step_keeps_it_and_celebrates_the_first_of_its_kind_once(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=16001, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "small_wins")
    thanks = await _thanks_on(bot, clock, sam, FRIDAY_SIX_PM)
    # The choice rides on the thank-you itself: every kind, and one way to pick none.
    assert thanks.text.endswith(render("note_invite_win", "en", thanks="").lstrip("\n"))
    offered = _win_data(thanks)
    assert list(offered) == list(WIN_KINDS)
    assert button_data(thanks)[-1].startswith("nonote:")
    # Under the 1-5 of the prompt the thank-you is part of.
    assert [len(row) for row in thanks.button_rows] == [1, 1, 1, 1, 1, 2, 2, 2, 1]
    firsts = milestone_message("first:small_wins", "en")
    await sam.wait_for_message(lambda m: m.text == firsts, after=thanks)
    await settled(sam)

    mark = sam.mark()
    toast = await press_for_toast(sam, thanks, offered["no"])
    assert toast == render("win_noted_no", "en")
    marked = await sam.wait_for_edit(thanks)
    assert marked.text == thanks.text  # the words stay; only the buttons change
    assert marked.buttons[:5] == thanks.buttons[:5]  # the 1-5, still there to change
    assert [text for text, _ in marked.buttons[5:]] == [
        render("btn_win_chosen", "en", label=render("win_label_no", "en")),
        render("btn_no_thanks", "en"),
    ]
    celebration = await sam.wait_for_message(after=mark)
    assert celebration.text == milestone_message("win:no", "en")
    assert celebration.text.split("\n", 1)[0] == "A first worth marking."
    assert await _wins(database_url) == ["no"]
    assert "win:no" in await _milestones(database_url)

    # A week later the same kind is named again: a brief word, no second celebration.
    thanks = await _thanks_on(bot, clock, sam, FRIDAY_SIX_PM + timedelta(days=7))
    await settled(sam)
    mark = sam.mark()
    toast = await press_for_toast(sam, thanks, _win_data(thanks)["no"])
    assert toast == render("win_noted_no", "en")
    await sam.wait_for_edit(thanks)
    await settled(sam)
    assert len(sam.messages) == mark + 1  # the sentinel's answer, nothing else
    assert await _wins(database_url) == ["no", "no"]
    assert sorted(k for k in await _milestones(database_url) if k.startswith("win:")) == ["win:no"]

    # What was named is the person's own data: in /export, and readable there.
    await sam.send("/export")
    await emulator.wait_for_call("sendDocument", lambda c: c.ok)
    await emulator.wait_for_call("sendDocument", lambda c: c.ok)
    documents = [
        emulator.file_content(call.result["document"]["file_id"])
        for call in emulator.calls_to("sendDocument")
        if call.ok and call.params["chat_id"] == sam.chat_id
    ]
    json_bytes, csv_bytes = documents
    assert json_bytes is not None and csv_bytes is not None
    data = json.loads(json_bytes)
    assert [c["step_named"] for c in data["check_ins"]] == ["no", "no"]
    rows = list(csv.reader(io.StringIO(csv_bytes.decode())))
    assert [row[3] for row in rows[1:]] == [render("win_label_no", "en")] * 2


async def test_no_thanks_names_nothing_and_closes_the_offer(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=16002, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "needs_boundaries")
    thanks = await _thanks_on(bot, clock, sam, SUNDAY_SEVEN_PM)
    assert list(_win_data(thanks)) == list(WIN_KINDS)
    await settled(sam)
    before = await _milestones(database_url)

    mark = sam.mark()
    [no] = [d for d in button_data(thanks) if d.startswith("nonote:")]
    assert await press_for_toast(sam, thanks, no) == render("toast_no_thanks", "en")
    closed = await sam.wait_for_edit(thanks)
    assert closed.buttons == thanks.buttons[:5]  # the 1-5 alone
    await settled(sam)
    assert len(sam.messages) == mark + 1  # the sentinel's answer, nothing else
    assert await _wins(database_url) == [None]
    assert await _milestones(database_url) == before


async def test_a_step_named_once_stays_as_named(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=16003, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "small_wins")
    thanks = await _thanks_on(bot, clock, sam, FRIDAY_SIX_PM)
    offered = _win_data(thanks)
    await press_for_toast(sam, thanks, offered["want"])
    marked = await sam.wait_for_edit(thanks)
    await sam.wait_for_message(lambda m: m.text == milestone_message("win:want", "en"))
    await settled(sam)
    milestones = await _milestones(database_url)

    # The marked button again, and another kind from the keyboard as it was before.
    already = render("toast_win_already", "en")
    [(_, again)] = [b for b in marked.buttons if b[1].startswith("win:")]
    assert await press_for_toast(sam, marked, again) == already
    assert await press_for_toast(sam, thanks, offered["tender"]) == already
    await settled(sam)
    assert await _wins(database_url) == ["want"]
    assert await _milestones(database_url) == milestones
    assert milestone_message("win:tender", "en") not in [m.text for m in sam.messages]

    # No thanks to a few words closes the offer; the named step stays shown.
    [no] = [d for d in button_data(marked) if d.startswith("nonote:")]
    await press_for_toast(sam, marked, no)
    closed = await sam.wait_for_edit(marked)
    [chosen] = [text for text, data in marked.buttons if data == again]
    assert closed.buttons == [*marked.buttons[:5], (chosen, again)]
    assert await _wins(database_url) == ["want"]


async def test_a_changed_rating_keeps_the_step_named_and_the_invitation(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=16007, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "small_wins")
    thanks = await _thanks_on(bot, clock, sam, FRIDAY_SIX_PM)
    await press_for_toast(sam, thanks, _win_data(thanks)["play"])
    marked = await sam.wait_for_edit(thanks)
    await settled(sam)

    [five] = [d for d in button_data(marked) if d.startswith("r:") and d.endswith(":5")]
    await press_for_toast(sam, marked, five)
    changed = await sam.wait_for_edit(marked)
    assert "\n\nYour answer: 5 · " in changed.text
    assert changed.text.endswith(render("note_invite_win", "en", thanks="").lstrip("\n"))
    assert changed.buttons[4][0].startswith("✓ 5")
    assert changed.buttons[5:] == marked.buttons[5:]  # the step named, and No thanks
    assert await _wins(database_url) == ["play"]


async def test_other_peoples_and_made_up_buttons_change_nothing(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=16004, first_name="Sam")
    alex = emulator.user(user_id=16005, first_name="Alex")
    for person in (sam, alex):
        await onboard(person)
        await opt_in_default(person, "small_wins")
    await opt_in_default(sam, "body_scan")
    thanks = await _thanks_on(bot, clock, sam, FRIDAY_SIX_PM)
    check_in = check_in_id(thanks)
    await settled(sam)

    # Alex presses Sam's button.
    toast = await press_for_toast(sam, thanks, f"win:{check_in}:play", as_user=alex)
    assert toast == render("toast_not_yours", "en")
    # Sam presses buttons Attune never made: a kind it doesn't know, a check-in that isn't
    # there, and a step for a practice that names none.
    unknown = render("toast_button_unknown", "en")
    assert await press_for_toast(sam, thanks, f"win:{check_in}:bravery") == unknown
    assert await press_for_toast(sam, thanks, "win:999999999:play") == unknown
    body_scan = await _thanks_on(bot, clock, sam, datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    assert _win_data(body_scan) == {}  # not offered for a body scan
    body_id = check_in_id(body_scan)
    assert await press_for_toast(sam, body_scan, f"win:{body_id}:play") == unknown
    # Too malformed for the pattern: the catch-all answers.
    assert await press_for_toast(sam, thanks, f"win:{check_in}:Play") == unknown
    await settled(sam)
    await settled(alex)
    assert await _wins(database_url) == [None, None]
    assert {k for k in await _milestones(database_url) if k.startswith("win:")} == set()


async def test_a_hard_night_offers_no_names_and_holds_what_a_name_reaches(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=16006, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "small_wins")
    thanks = await _thanks_on(bot, clock, sam, FRIDAY_SIX_PM, rating=1)
    assert _win_data(thanks) == {}  # the turn belongs to care
    await sam.wait_for_message(lambda m: button_data(m) == CARE_BUTTONS, after=thanks)
    # A name given anyway (an old client, a forged button) is kept; its milestone waits.
    toast = await press_for_toast(sam, thanks, f"win:{check_in_id(thanks)}:tender")
    assert toast == render("win_noted_tender", "en")
    await settled(sam)
    assert milestone_message("win:tender", "en") not in [m.text for m in sam.messages]
    held = {(row.key, row.held) for row in await opened_milestones(database_url)}
    assert ("win:tender", True) in held
