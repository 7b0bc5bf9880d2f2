"""Leaving no older copy of erased rows in the database's own files, one try at a time.

A DELETE ends a row for every query at once, but not on disk. SQLite (in WAL mode) keeps
older page images in its write-ahead log until a checkpoint copies the log into the
database file (where secure_delete has zeroed the erased rows) and the log is emptied.
PostgreSQL keeps the deleted row versions, and their index entries, until VACUUM clears
them. scheduler.scrubbing decides when to try; these are the tries.

On SQLite nothing else is left on disk: secure_delete also zeroes pages that go to the
freelist, and in WAL mode there is no rollback journal holding pages from before a change
(pages another connection has cached are in its memory, gone when it closes).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from store.personal_data import SECTIONS

# Every table that holds a person's rows (those /export reads and /delete empties).
PERSONS_TABLES = tuple(SECTIONS)


async def scrub(engine: AsyncEngine) -> bool:
    """One try at clearing older copies of erased rows; True when none is left."""
    if engine.dialect.name == "sqlite":
        return await checkpoint_sqlite(engine)
    await vacuum_postgres(engine)
    return True


async def checkpoint_sqlite(engine: AsyncEngine) -> bool:
    """Copy SQLite's write-ahead log into the database file and truncate it; True when done.

    It waits for no one: another connection still reading older page images (a backup, an
    operator's shell, a long query) or a writer at work makes the checkpoint report
    `busy`, and this returns False for the caller to try again later. With the usual
    busy_timeout it would wait up to that long, and hold off every writer meanwhile.
    """
    async with engine.connect() as conn:
        waited = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one()
        await conn.exec_driver_sql("PRAGMA busy_timeout=0")
        try:
            # (busy, frames in the log, frames copied): (0, 0, 0) once it is truncated;
            # a database not in WAL mode has no log (-1) and nothing to do.
            row = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
        finally:
            await conn.exec_driver_sql(f"PRAGMA busy_timeout={int(waited)}")
    busy, frames, _copied = row
    return bool(busy == 0 and frames <= 0)


async def vacuum_postgres(engine: AsyncEngine) -> None:
    """VACUUM the tables that hold people's rows: the row versions a DELETE left, and their
    index entries (INDEX_CLEANUP ON: the default may skip them when few), are cleared now
    rather than whenever autovacuum comes by.

    VACUUM runs outside any transaction (AUTOCOMMIT). Its lock holds up neither reads nor
    writes, only schema changes and another VACUUM of the same table, which wait for it.
    It marks the space free for reuse; it does not overwrite it (per-person keys are what
    make what stays unreadable).
    """
    async with engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.exec_driver_sql(f"VACUUM (INDEX_CLEANUP ON) {', '.join(PERSONS_TABLES)}")
