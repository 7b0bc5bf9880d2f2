"""Engine, session factory and schema migrations."""

from __future__ import annotations

import sqlite3
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Update, bindparam, event, inspect, text, update
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
)
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.orm.attributes import set_committed_value

from store.database_url import sqlite_file
from store.private_files import create_private

if TYPE_CHECKING:
    from store.keyring import Keyring
    from store.person_keys import MigrationKeys

MIGRATIONS = Path(__file__).with_name("migrations")


def create_engine(url: str) -> AsyncEngine:
    """An async engine for `url`, with SQLite tuned for one writer and many readers."""
    if not url.startswith("sqlite"):
        return _create_async_engine(url, pool_pre_ping=True)
    engine = _create_async_engine(url)
    database = sqlite_file(url)

    @event.listens_for(engine.sync_engine, "do_connect")
    def _private_file(*_args: Any) -> None:
        # Created readable by this user only before SQLite would create it with the
        # umask's mode (its -wal and -shm then take the same). A missing folder is left
        # for SQLite to report.
        if database is not None:
            with suppress(FileNotFoundError):
                create_private(database)

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers proceed during the dispatch commit; foreign keys make
        # ON DELETE CASCADE real; busy_timeout waits out concurrent writers: SQLite does
        # not queue them fairly, so under a burst of taps (many handlers at once) one can
        # wait seconds, and a write that gives up loses that tap.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        _into_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # A claim of 1,000 prompts rewrites some 2,500 scattered pages; at SQLite's default
        # of a checkpoint per 1,000 pages of log, nearly every claim paid one (copying
        # pages back into the file and syncing it: 30-55 ms of a 60-120 ms claim at 1M
        # subscriptions). Every 10,000 pages (about 40 MB of log), the commit takes 2-5 ms
        # and one checkpoint serves several claims. /delete still empties the log at once.
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        # Deleted rows are overwritten with zeros, so /delete leaves nothing in the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    event.listen(engine.sync_engine, "do_execute", _in_one_hop)
    return engine


def _into_wal(cursor: Any, tries: int = 50) -> None:
    """Switch the file to WAL. On a new file several connections opening at once (replicas
    migrating together) race to switch it, and SQLite answers the losers "database is
    locked" at once, without its busy timeout: they try again a moment later, when the
    file is WAL already and the switch is a no-op."""
    for attempt in range(tries):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if attempt == tries - 1:
                raise
            time.sleep(0.05)


def _in_one_hop(cursor: Any, statement: str, parameters: Any, _context: Any) -> bool:
    """Run a statement on aiosqlite's thread in one hand-off instead of four.

    SQLAlchemy's aiosqlite cursor awaits aiosqlite four times per statement (open a
    cursor, execute, fetch, close), and each is a trip to aiosqlite's thread and back
    through the event loop: on a rating tap's dozen statements, about a fifth of its CPU
    (benchmarks/bench_tap.py). Here the same four calls run as one function on that
    thread, in the same order, and the cursor is left as SQLAlchemy's own would leave it.
    Server-side cursors (streamed results) keep SQLAlchemy's way: returns False for them.
    """
    if cursor.server_side:
        return False
    connection = cursor._connection  # aiosqlite's Connection

    def run() -> tuple[Any, int, int, list[Any] | None]:
        raw = connection._conn.cursor()  # the sqlite3 cursor, on aiosqlite's thread
        try:
            raw.execute(statement, parameters)
            if raw.description:
                return raw.description, -1, -1, raw.fetchall()
            return None, raw.lastrowid, raw.rowcount, None
        finally:
            raw.close()

    try:
        description, lastrowid, rowcount, rows = cursor.await_(connection._execute(run))
    except Exception as error:
        cursor._adapt_connection._handle_exception(error)
    cursor.description, cursor.lastrowid, cursor.rowcount = description, lastrowid, rowcount
    if rows is not None:
        cursor._rows = deque(rows)
    return True


async def write_now(session: AsyncSession, row: Any, **values: Any) -> None:
    """Store ``values`` in columns of ``row`` (a loaded row) with one UPDATE by its primary
    key, now, and set them on the object as stored.

    For a rating tap's writes: the ORM's unit of work would write the same at the next
    flush, for several times the CPU (benchmarks/bench_tap.py). Elsewhere, set attributes.
    """
    mapper = inspect(row).mapper
    key = {f"pk_{n}": v for n, v in enumerate(mapper.primary_key_from_instance(row))}
    statement = _update_of(mapper.local_table, tuple(sorted(values)))
    await session.execute(statement, {**key, **values})
    for name, value in values.items():
        set_committed_value(row, name, value)


@lru_cache(maxsize=64)
def _update_of(table: Any, names: tuple[str, ...]) -> Update:
    """UPDATE table SET names WHERE primary key: built once, so its compiled form is reused."""
    where = [column == bindparam(f"pk_{n}") for n, column in enumerate(table.primary_key)]
    return update(table).where(*where).values({name: bindparam(name) for name in names})


def session_factory(
    engine: AsyncEngine, keyring: Keyring | None = None
) -> async_sessionmaker[AsyncSession]:
    """The one session factory; objects stay usable after commit.

    Its sessions carry the keyring (store.person_keys reads it there), so the data access
    functions that seal and open a person's rows take no key argument of their own.
    """
    return async_sessionmaker(engine, expire_on_commit=False, info={"keyring": keyring})


def _alembic_config(connection: Connection, keys: MigrationKeys | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    # A migration that seals or opens existing rows (0010) reaches the keyring through it.
    config.attributes["keys"] = keys
    return config


# The PostgreSQL advisory lock every migration takes: any fixed bigint works, as long as
# every replica uses the same one ("attune.m" read as a number).
MIGRATION_LOCK = int.from_bytes(b"attune.m", "big")
# How long a migration on SQLite waits (seconds) for another one, or any writer, to finish.
_SQLITE_MIGRATION_WAIT = 600


async def migrate(
    engine: AsyncEngine, revision: str = "head", *, keys: MigrationKeys | None = None
) -> None:
    """Bring the schema up to `revision`; running it again changes nothing.

    Several processes may run it at once (replicas starting together): one migrates, the
    others wait for it, then find the schema already at `revision`. A migration that
    fails leaves the schema as it was. `keys` is the keyring, for a migration that must
    seal rows already stored; without it such a migration stops with a sentence saying so.
    """
    async with engine.connect() as conn, _one_at_a_time(conn):
        await conn.run_sync(lambda sync: command.upgrade(_alembic_config(sync, keys), revision))


@asynccontextmanager
async def _one_at_a_time(conn: AsyncConnection) -> AsyncIterator[None]:
    """One transaction for the whole migration, which no other migration overlaps.

    Alembic reads the current revision inside it, so whoever waited reads it only after
    the previous migration committed.
    """
    if conn.dialect.name != "sqlite":
        async with conn.begin():
            # Waits while another migration holds it; PostgreSQL releases it at commit.
            await conn.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
            yield
        return
    # SQLite has one writer at a time, but pysqlite runs DDL outside any transaction, so
    # two migrations could both find no schema and both create it, and one that failed
    # half-way would leave half a schema. BEGIN IMMEDIATE takes the write lock for the
    # whole migration (the others wait, up to _SQLITE_MIGRATION_WAIT) and makes it atomic.
    # Foreign keys are off meanwhile and checked before commit, as SQLite prescribes for
    # schema changes: batch mode rebuilds a table by copying and dropping it, and dropping
    # `users` with foreign keys on would delete everything that hangs off it (cascade).
    await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    waited = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one()
    await conn.exec_driver_sql(f"PRAGMA busy_timeout={_SQLITE_MIGRATION_WAIT * 1000}")
    try:
        await conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield
        broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).first()
        if broken is not None:
            raise RuntimeError(f"the migration broke a reference from table {broken[0]}")
        await conn.commit()
    finally:
        await conn.rollback()  # nothing to undo after the commit; everything otherwise
        await conn.exec_driver_sql(f"PRAGMA busy_timeout={int(waited)}")
        await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        await conn.commit()


async def downgrade(
    engine: AsyncEngine, revision: str, *, keys: MigrationKeys | None = None
) -> None:
    """Take the schema back to `revision` (used by the migration tests)."""
    async with engine.connect() as conn, _one_at_a_time(conn):
        await conn.run_sync(lambda sync: command.downgrade(_alembic_config(sync, keys), revision))
