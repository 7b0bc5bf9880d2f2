"""The hard-night turn: a low rating brings care, never a celebration, in words that fit.

The clock starts at Friday 27 November 2026, 13:00 in Berlin; the body scan comes every
day at 22:00, the needs-and-boundaries check-in on Sundays at 19:00 (18:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render
from progress.care import care_offer_key
from progress.milestones import milestone_message
from tests.e2e.db import opened_milestones, opened_notes
from tests.e2e.flows import button_data, onboard, opt_in_default
from tests.e2e.harness import FakeClock
from tests.e2e.practice import prompt_at, rate, write_note

TEN_PM_BERLIN = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
SUNDAY_SEVEN_PM = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
CARE_BUTTONS = ["ground:yes", "ground:no"]


async def _rate_on(
    bot: AttuneApp, clock: FakeClock, person: Any, when: datetime, rating: int
) -> Any:
    """Rate the prompt sent at `when`; returns the thank-you."""
    return await rate(person, await prompt_at(bot, clock, person, when), rating)


async def _offer_after(person: Any, thanks: Any) -> Any:
    """The care offer that ends the turn; nothing came between it and the thank-you."""
    offer = await person.wait_for_message(lambda m: button_data(m) == CARE_BUTTONS, after=thanks)
    assert [m.seq for m in person.messages if thanks.seq < m.seq < offer.seq] == []
    return offer


async def test_a_hard_night_holds_back_milestones_until_a_rating_that_is_not_low(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=15001, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")

    # A first check-in is a milestone, but on a 1 the turn is the thank-you and the offer.
    thanks = await _rate_on(bot, clock, sam, TEN_PM_BERLIN, 1)
    first = await _offer_after(sam, thanks)
    assert first.text == render(care_offer_key("body_scan", 0), "en")
    # A first note on that rating is kept, and held back too.
    await write_note(sam, "heavy shoulders tonight")
    assert {(m.key, m.held) for m in await opened_milestones(database_url)} == {
        ("first:body_scan", True),
        ("first_note", True),
    }

    # A 2 after a 1 is a hard night again: another offer, in other words; still no party.
    thanks = await _rate_on(bot, clock, sam, TEN_PM_BERLIN + timedelta(days=1), 2)
    second = await _offer_after(sam, thanks)
    assert second.text == render(care_offer_key("body_scan", 1), "en") != first.text

    # A 4 celebrates what it reaches, then what waited, each once.
    thanks = await _rate_on(bot, clock, sam, TEN_PM_BERLIN + timedelta(days=2), 4)
    waited = [
        render("milestone_held", "en", message=milestone_message(key, "en"))
        for key in ("first:body_scan", "first_note")
    ]
    await sam.wait_for_message(lambda m: m.text == waited[-1], after=thanks)
    after = [m.text for m in sam.messages if m.seq > thanks.seq]
    assert after == [milestone_message("total_3", "en"), *waited]
    assert not any(button_data(m) == CARE_BUTTONS for m in sam.messages if m.seq > thanks.seq)
    texts = [m.text for m in sam.messages]
    for key in ("first:body_scan", "first_note"):  # never on the hard night itself
        assert milestone_message(key, "en") not in texts
    assert all(texts.count(text) == 1 for text in waited)
    rows = await opened_milestones(database_url)
    assert {row.key for row in rows} == {"first:body_scan", "first_note", "total_3"}
    assert not any(row.held for row in rows)


async def test_the_offer_fits_the_practice(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock
) -> None:
    sam = emulator.user(user_id=15002, first_name="Sam")
    alex = emulator.user(user_id=15003, first_name="Alex")
    for person, ritual_key in ((sam, "body_scan"), (alex, "needs_boundaries")):
        await onboard(person)
        await opt_in_default(person, ritual_key)
    body = await _offer_after(sam, await _rate_on(bot, clock, sam, TEN_PM_BERLIN, 1))
    needs = await _offer_after(alex, await _rate_on(bot, clock, alex, SUNDAY_SEVEN_PM, 1))
    assert body.text == render(care_offer_key("body_scan", 0), "en")
    assert needs.text == render(care_offer_key("needs_boundaries", 0), "en")
    assert body.text != needs.text
    assert "hard" not in body.text.lower()  # a faint moment is not a hard one


async def test_two_offers_to_one_person_one_after_the_other_differ(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock
) -> None:
    sam = emulator.user(user_id=15004, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    offers = []
    for day in range(3):
        thanks = await _rate_on(bot, clock, sam, TEN_PM_BERLIN + timedelta(days=day), 1)
        offers.append(await _offer_after(sam, thanks))
    assert offers[0].text != offers[1].text != offers[2].text
    # Whichever the words, the offer is the same: a short exercise, if wanted.
    await sam.press(offers[-1], callback_data="ground:yes")
    assert (await sam.wait_for_edit(offers[-1])).text == render("care_grounding", "en")


async def test_free_text_gets_a_warm_reply_a_place_to_keep_it_and_help(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=15005, first_name="Sam")
    await onboard(sam)
    await sam.send("I haven't felt wanted in a long time")
    warm = await sam.wait_for_message()
    assert warm.text == render("free_text", "en")
    assert "/journal" in warm.text and "only understand" not in warm.text
    assert button_data(warm) == ["journal", "helpnow"]

    # The first button opens the journal, as /journal does; what is sent next is a note.
    mark = sam.mark()
    await sam.press(warm, callback_data="journal")
    ask = await sam.wait_for_message(after=mark)
    assert ask.text == render("journal_ask", "en")
    await write_note(sam, "I haven't felt wanted in a long time")
    [note] = await opened_notes(database_url)
    assert note.check_in_id is None

    # The second is the way to human help.
    await sam.press(warm, callback_data="helpnow")
    help_message = await sam.wait_for_message(lambda m: "findahelpline.com" in m.text)
    assert "automated companion" in help_message.text
