"""Notes: a few words after a rating or with /journal, encrypted at rest."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render, ritual_text
from progress.milestones import milestone_message
from store.crypto import DataKey
from store.models import Note, User
from tests.e2e.db import all_rows, count, opened_notes
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
from tests.e2e.harness import DATA_KEY, FakeClock
from tests.e2e.practice import rate, write_note

NOTE = "Felt my shoulders drop for the first time this week."


def _raw_sqlite(path: Path) -> bytes:
    """Every byte SQLite keeps for the database: the file, its WAL, and a full dump."""
    raw = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    raw += wal.read_bytes() if wal.exists() else b""
    with sqlite3.connect(path) as db:
        raw += "\n".join(db.iterdump()).encode()
    return raw


async def _rated(bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, user_id: int):  # type: ignore[no-untyped-def]
    sam = emulator.user(user_id=user_id, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    await tick_at(bot, clock, datetime(2026, 11, 27, 21, 0, tzinfo=UTC))
    invite = await rate(sam, await sam.wait_for_message(is_prompt), 4)
    # A first check-in is celebrated right after the thank-you.
    await sam.wait_for_message(lambda m: m.text == milestone_message("first:body_scan", "en"))
    return sam, invite


async def test_a_few_words_after_a_rating_are_stored_encrypted(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str, tmp_path: Path
) -> None:
    sam, invite = await _rated(bot, emulator, clock, 7001)
    assert render("note_invite", "en", thanks="").strip() in invite.text
    await sam.send(NOTE)
    assert (await sam.wait_for_message()).text == render("note_saved", "en")
    first_note = milestone_message("first_note", "en")
    assert (await sam.wait_for_message()).text == first_note
    [note] = await opened_notes(database_url)
    assert (note.ritual_key, note.text) == ("body_scan", NOTE) and note.check_in_id is not None
    [row] = await all_rows(database_url, Note)
    assert NOTE.encode() not in row.sealed_body  # sealed with Sam's key, not ATTUNE_DATA_KEY
    with pytest.raises(ValueError):
        DataKey([DATA_KEY]).decrypt(row.sealed_body.decode("latin-1"))
    if database_url.startswith("sqlite"):
        assert b"shoulders" not in _raw_sqlite(Path(database_url.split("///", 1)[1]))
    # The question is closed: the next text is not a note.
    await sam.send("hello")
    assert (await sam.wait_for_message()).text == render("free_text", "en")
    assert await count(database_url, Note) == 1


async def test_no_thanks_closes_the_question(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam, invite = await _rated(bot, emulator, clock, 7002)
    [data] = [d for d in button_data(invite) if d.startswith("nonote:")]
    await sam.press(invite, callback_data=data)
    closed = await sam.wait_for_edit(invite)
    # Only No thanks goes: the words stay, and so do the 1-5, the rating still changeable.
    assert closed.text == invite.text
    assert closed.buttons == invite.buttons[:-1]
    assert all(data.startswith("r:") for data in button_data(closed))
    [user] = await all_rows(database_url, User)
    assert user.awaiting is None
    await sam.send(NOTE)
    assert (await sam.wait_for_message()).text == render("free_text", "en")
    assert await count(database_url, Note) == 0


async def test_a_changed_rating_after_the_note_thanks_anew_and_invites_no_more(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam, invite = await _rated(bot, emulator, clock, 7005)
    await write_note(sam, NOTE)
    [two] = [d for d in button_data(invite) if d.startswith("r:") and d.endswith(":2")]
    changed = await press_for_edit(sam, invite, two)
    # The words and the new answer, thanked for what it is now; the question is closed, so
    # neither its words nor No thanks come back, and only the 1-5 stay.
    words = invite.text.split("\n\nYour answer: ")[0]
    label = ritual_text("body_scan").labels[2]
    thanks = changed.text.removeprefix(f"{words}\n\nYour answer: 2 · {label}\n\n")
    assert thanks in ritual_text("body_scan").acknowledgements["low"]
    assert button_data(changed) == [d for d in button_data(invite) if d.startswith("r:")]
    mark = sam.mark()
    await settled(sam)
    assert len(sam.messages) == mark + 1  # the sentinel's answer: nothing else was sent
    assert await count(database_url, Note) == 1


async def test_someone_elses_no_thanks_changes_nothing(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam, invite = await _rated(bot, emulator, clock, 7006)
    alex = emulator.user(user_id=7007, first_name="Alex")
    await onboard(alex)
    [data] = [d for d in button_data(invite) if d.startswith("nonote:")]
    toast = await press_for_toast(sam, invite, data, as_user=alex)
    assert toast == render("toast_not_yours", "en")
    forged = await press_for_toast(sam, invite, "nonote:999999999")
    assert forged == render("toast_button_unknown", "en")
    await settled(sam)
    [now] = [m for m in sam.messages if m.message_id == invite.message_id]
    assert (now.version, now.buttons) == (invite.version, invite.buttons)  # as it was
    await write_note(sam, NOTE)  # still invited
    assert await count(database_url, Note) == 1


async def test_a_note_over_1000_characters_is_refused_with_its_length(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam, _ = await _rated(bot, emulator, clock, 7003)
    await sam.send("a" * 1001)
    refused = await sam.wait_for_message()
    assert refused.text == render("note_too_long", "en", length="1,001", limit="1,000")
    assert await count(database_url, Note) == 0
    await sam.send("a" * 1000)  # still open: a shorter one is welcome
    assert (await sam.wait_for_message()).text == render("note_saved", "en")
    assert await count(database_url, Note) == 1


async def test_journal_any_time_optionally_under_a_practice(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=7004, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "kind_words")
    await sam.send("/journal")
    ask = await sam.wait_for_message()
    assert [data for _, data in ask.buttons] == ["jr:kind_words"]
    await sam.send("Just a thought for today.")
    assert (await sam.wait_for_message()).text == render("note_saved", "en")
    # A note written on its own is a first note too, celebrated once.
    first_note = milestone_message("first_note", "en")
    assert (await sam.wait_for_message()).text == first_note
    await sam.send("/journal")
    ask = await sam.wait_for_message()
    await sam.press(ask, callback_data="jr:kind_words")
    await sam.wait_for_edit(ask)
    await sam.send("I said something kind to myself.")
    await sam.wait_for_message(lambda m: m.text == render("note_saved", "en"))
    notes = await opened_notes(database_url)
    assert [(n.check_in_id, n.ritual_key) for n in notes] == [(None, None), (None, "kind_words")]
    assert [m.text for m in sam.messages].count(first_note) == 1
