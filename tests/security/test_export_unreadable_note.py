"""Finding 4: a note that the person's key does not open (damaged, or sealed under another
key) does not cost the person their export. /export still sends both files, with that note
marked unreadable and everything else whole, and says so kindly."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render
from store import sealing
from store.db import session_factory
from store.models import Note, User
from store.notes import add_note
from store.sealing import PersonKey, new_secret
from tests.databases import keyring_for
from tests.e2e.db import all_rows
from tests.e2e.flows import onboard

READABLE = "Kept under the person's own key."
LOST = "Sealed under a key that is not theirs."


async def _store_notes(database_url: str, telegram_id: int) -> None:
    """One note under the person's key, one sealed under another key."""
    [user] = await all_rows(database_url, User, telegram_id=telegram_id)
    when = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
    engine, ring = create_async_engine(database_url), keyring_for(database_url)
    try:
        async with session_factory(engine, ring)() as session, session.begin():
            await add_note(session, user_id=user.id, text=READABLE, now=when)
            stranger = PersonKey("elsewhere", new_secret())
            sealed = stranger.seal_text(LOST, sealing.NOTE_BODY)
            session.add(Note(user_id=user.id, sealed_body=sealed, created_at=when))
    finally:
        await engine.dispose()
        await ring.dispose()


async def test_export_marks_a_note_no_key_opens_and_sends_the_rest(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    sam = emulator.user(user_id=8101, first_name="Sam")
    await onboard(sam)
    await _store_notes(database_url, 8101)

    await sam.send("/export")
    told = await sam.wait_for_message(
        lambda m: m.text == render("export_unreadable_notes", "en", count=1)
    )
    assert told.text
    files = {}
    for call in emulator.calls_to("sendDocument"):
        assert call.ok, call
        content = emulator.file_content(call.result["document"]["file_id"])
        assert content is not None
        files[call.result["document"]["file_name"]] = content
    assert set(files) == {"attune-export.json", "attune-check-ins.csv"}

    data = json.loads(files["attune-export.json"])
    assert data["person"]["telegram_id"] == 8101
    assert data["person"]["timezone"] == "Europe/Berlin"
    notes = [(n["text"], n["unreadable"]) for n in data["notes"]]
    assert notes == [(READABLE, False), (None, True)]
    rows = list(csv.reader(io.StringIO(files["attune-check-ins.csv"].decode())))
    assert rows[0] == ["practiced_at", "ritual", "rating", "step_named", "note"]
