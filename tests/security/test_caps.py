"""Finding 9: no one can fill the database with notes, and nothing is kept for long about
someone who began /start but never agreed to anything being kept.

Notes are capped per person in any 24 hours and in all (small caps here, set as an operator
would); at a cap the new note is not stored, the person is told kindly, and every note saved
before stays as it was.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render
from store.models import User
from tests.e2e.db import all_rows, opened_notes
from tests.e2e.flows import onboard
from tests.e2e.harness import FakeClock, make_settings, running_bot

PER_DAY, IN_ALL = 3, 5


@pytest.fixture
async def bot(
    emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> AsyncIterator[AttuneApp]:
    settings = make_settings(
        emulator.root_url, database_url, ATTUNE_NOTES_PER_DAY=PER_DAY, ATTUNE_NOTES_IN_ALL=IN_ALL
    )
    async with running_bot(settings, clock) as app:
        yield app


async def _journal(person: Any, words: str) -> str:
    """/journal and a note; the bot's answer."""
    await person.send("/journal")
    await person.wait_for_message(lambda m: m.text == render("journal_ask", "en"))
    await person.send(words)
    reply = await person.wait_for_message()
    return str(reply.text)


async def _bodies(database_url: str) -> list[str]:
    return [n.text for n in await opened_notes(database_url)]


async def test_notes_stop_kindly_at_the_day_cap_and_at_the_total_cap_losing_nothing(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    saved, day_cap = render("note_saved", "en"), render("note_cap_day", "en", limit=PER_DAY)
    sam = emulator.user(user_id=8301, first_name="Sam")
    await onboard(sam)
    for n in range(PER_DAY):
        assert await _journal(sam, f"Thought {n}.") == saved
    kept = await _bodies(database_url)
    assert await _journal(sam, "One too many today.") == day_cap
    assert await _bodies(database_url) == kept  # nothing lost, nothing added
    # The question closed with the kind word: the next text is not taken as a note.
    await sam.send("Just saying hello.")
    assert (await sam.wait_for_message()).text == render("free_text", "en")

    clock.now += timedelta(hours=23)
    assert await _journal(sam, "Still today.") == day_cap
    # Words of danger at the cap are not stored either, but care comes first.
    assert "automated companion" in await _journal(sam, "I want to die")
    assert (await sam.wait_for_message()).text == day_cap
    assert await _bodies(database_url) == kept
    clock.now += timedelta(hours=2)  # the day's notes are a day old: room again
    for n in range(IN_ALL - PER_DAY):
        assert await _journal(sam, f"Next day {n}.") == saved
    kept = await _bodies(database_url)
    assert len(kept) == IN_ALL

    clock.now += timedelta(days=2)
    all_cap = render("note_cap_all", "en", limit=IN_ALL)
    assert "/export" in all_cap
    assert await _journal(sam, "Past the total.") == all_cap
    assert await _bodies(database_url) == kept


async def test_people_who_never_consented_are_forgotten_after_a_day(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    member = emulator.user(user_id=8302, first_name="Sam")
    await onboard(member)
    passer_by = emulator.user(user_id=8303, first_name="Kim")
    await passer_by.send("/start")
    await passer_by.wait_for_message()
    assert {u.telegram_id for u in await all_rows(database_url, User)} == {8302, 8303}

    housekeeping = bot.bot_data.services.housekeeping
    assert housekeeping is not None
    clock.now += timedelta(hours=23)  # the same day: still time to come back to the question
    await housekeeping.run()
    assert {u.telegram_id for u in await all_rows(database_url, User)} == {8302, 8303}

    latecomer = emulator.user(user_id=8304, first_name="Ana")
    await latecomer.send("/start")
    await latecomer.wait_for_message()
    clock.now += timedelta(hours=2)
    await housekeeping.run()
    assert {u.telegram_id for u in await all_rows(database_url, User)} == {8302, 8304}
