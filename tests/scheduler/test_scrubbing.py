"""The scrub after erasures, on a real database: due from the start, done once the database
lets it, and kept due (never dropped) while a reader holds SQLite's log or a try fails."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from scheduler.scrubbing import Scrubber
from store.database_url import sqlite_file
from store.db import create_engine


async def test_a_start_begins_with_one_scrub_due_and_a_run_does_it(engine: AsyncEngine) -> None:
    scrubber = Scrubber(engine)
    assert scrubber.due  # an erasure cut short by a restart would otherwise be forgotten
    await scrubber.run()
    assert not scrubber.due
    scrubber.erased()  # what housekeeping says when it erased something
    assert scrubber.due
    await scrubber.run()
    assert not scrubber.due


async def test_after_an_erasure_sqlite_is_scrubbed_at_once_postgresql_by_the_job(
    engine: AsyncEngine,
) -> None:
    scrubber = Scrubber(engine)
    assert await scrubber.after_erasure()
    assert scrubber.due == (engine.dialect.name != "sqlite")  # VACUUM waits for the job
    await scrubber.run()
    assert not scrubber.due


async def test_a_reader_keeps_it_due_until_it_lets_go(engine: AsyncEngine) -> None:
    path = sqlite_file(str(engine.url))
    if path is None:
        pytest.skip("SQLite's write-ahead log")
    async with engine.begin() as conn:  # something in the log for the reader to hold on to
        await conn.exec_driver_sql(
            "INSERT INTO users (telegram_id, chat_id, locale, "
            "discreet, quiet, consent_version, care_offers, created_at)"
            " VALUES (1, 1, 'en', 1, 0, 0, 0, '2026-11-27 12:00:00')"
        )
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM users").fetchone()
    async with engine.begin() as conn:
        await conn.exec_driver_sql("DELETE FROM users")
    scrubber = Scrubber(engine, patience=0.2)
    try:
        assert not await scrubber.after_erasure()
        await scrubber.run()
        assert scrubber.due
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    await scrubber.run()
    assert not scrubber.due


async def test_a_failed_try_is_logged_and_stays_due(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    broken = create_engine(str(engine.url.set(database="/nonexistent/folder/attune.db")))
    if engine.dialect.name != "sqlite":
        broken = create_engine(str(engine.url.set(port=1)))
    scrubber = Scrubber(broken, patience=0.1)
    with caplog.at_level(logging.ERROR):
        await scrubber.run()
    assert scrubber.due
    assert "scrub failed" in caplog.text
    await broken.dispose()
