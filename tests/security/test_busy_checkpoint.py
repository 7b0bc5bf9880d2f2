"""Finding 13: /delete said "everything about you is erased" while SQLite's write-ahead log
still held the person's timezone, practice and note ciphertext: the checkpoint that empties
the log is ignored while another connection reads (a backup, an operator's shell).

Now the reply is honest: done at once when nothing else reads, else "within a few
minutes", and the job that retries (every half minute) clears the log once the reader lets
go. On PostgreSQL the deleted row versions are vacuumed by that job, off the reply's path.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render
from scheduler.scrubbing import Scrubber
from store.models import Note
from store.scrub import PERSONS_TABLES
from tests.e2e.db import all_rows
from tests.e2e.flows import erase_everything, onboard, opt_in_default

ZONE = "Pacific/Chatham"
RITUAL = "sensory_awareness"


async def _person_with_traces(emulator: BotApiEmulator, database_url: str) -> list[bytes]:
    """Sam, in a distinctive zone, with a practice and a note; returns what of them is
    stored (zone, practice key, the note as sealed), as bytes to look for in the files."""
    bob = emulator.user(user_id=8402, first_name="Bob")
    await onboard(bob)  # someone else, whose rows keep the database's pages in use
    sam = emulator.user(user_id=8401, first_name="Sam")
    await onboard(sam, zone=ZONE)
    await opt_in_default(sam, RITUAL)
    await sam.send("/journal")
    await sam.wait_for_message(lambda m: m.text == render("journal_ask", "en"))
    await sam.send("Something only for me.")
    await sam.wait_for_message(lambda m: m.text == render("note_saved", "en"))
    [note] = await all_rows(database_url, Note)
    return [ZONE.encode(), RITUAL.encode(), bytes(note.sealed_body)]


def _on_disk(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _sqlite_path(database_url: str) -> Path:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write-ahead log")
    return Path(database_url.split("///", 1)[1])


def _scrubber(bot: AttuneApp) -> Scrubber:
    scrubber = bot.bot_data.services.scrubber
    assert scrubber is not None
    return scrubber


async def test_a_reader_holding_the_log_gets_an_honest_reply_and_the_log_is_cleared_after(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    path = _sqlite_path(database_url)
    traces = await _person_with_traces(emulator, database_url)
    assert all(trace in _on_disk(path) for trace in traces)  # what the test looks for is there

    reader = sqlite3.connect(path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM users").fetchone()  # holds its snapshot
        reply = await erase_everything(emulator.user(user_id=8401))
        assert reply == render("delete_done_soon", "en")
        assert any(trace in _on_disk(path) for trace in traces)  # why it said "soon"
    finally:
        reader.execute("ROLLBACK")
        reader.close()

    # What "within a few minutes" rests on: the job that retries runs this often...
    job = bot.bot_data.services.scheduler.get_job("scrub")  # type: ignore[union-attr]
    assert job.trigger.interval <= timedelta(minutes=1)
    # ...and its next run, driven here, finds the reader gone.
    await _scrubber(bot).run()
    assert not _scrubber(bot).due
    on_disk = _on_disk(path)
    assert [trace for trace in traces if trace in on_disk] == []


async def test_with_no_other_reader_the_log_is_cleared_before_the_reply(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    path = _sqlite_path(database_url)
    traces = await _person_with_traces(emulator, database_url)
    assert await erase_everything(emulator.user(user_id=8401)) == render("delete_done", "en")
    on_disk = _on_disk(path)
    assert [trace for trace in traces if trace in on_disk] == []


async def _dead_row_versions(database_url: str) -> dict[str, Any]:
    """Dead row versions per table that holds people's rows, counted exactly (pgstattuple
    reads the table; the statistics views are updated late, and can count twice)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE EXTENSION IF NOT EXISTS pgstattuple"))
            dead = {}
            for table in PERSONS_TABLES:
                query = text("SELECT dead_tuple_count FROM pgstattuple(:table)")
                dead[table] = await conn.scalar(query, {"table": table})
            return dead
    finally:
        await engine.dispose()


async def test_postgresql_vacuums_what_the_delete_left_off_the_replys_path(
    bot: AttuneApp, emulator: BotApiEmulator, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's VACUUM")
    await _person_with_traces(emulator, database_url)
    assert await erase_everything(emulator.user(user_id=8401)) == render("delete_done", "en")
    before = await _dead_row_versions(database_url)
    assert before["users"] and before["subscriptions"] and before["notes"]  # left by DELETE
    assert _scrubber(bot).due  # the reply did not wait for VACUUM

    await _scrubber(bot).run()
    assert not _scrubber(bot).due
    assert await _dead_row_versions(database_url) == dict.fromkeys(PERSONS_TABLES, 0)
