"""`attune migrate`, `attune rotate-key` and `attune backup`: the database chores.

Each runs to the end and prints one verdict (and, for a backup, rows per table); the
copying itself is store.backup's.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.one_line import reason
from bot.settings import Settings
from store.backup import backup_problem, copy_sqlite
from store.crypto import NoteCipher
from store.database_url import libpq_url, sqlite_file
from store.db import create_engine, migrate, session_factory
from store.notes import rotate_notes


def migrate_database(settings: Settings) -> int:
    """Bring the schema up to date (replicas may run this at once)."""

    async def go() -> None:
        engine = create_engine(settings.database_url)
        try:
            await migrate(engine)
        finally:
            await engine.dispose()

    asyncio.run(go())
    print("attune: database is up to date")
    return 0


def rotate_key(settings: Settings, cipher: NoteCipher) -> int:
    """Re-encrypt every note under the first of ATTUNE_DATA_KEY's keys."""

    async def go() -> int:
        engine = create_engine(settings.database_url)
        try:
            await migrate(engine)
            async with session_factory(engine)() as session, session.begin():
                return await rotate_notes(session, cipher=cipher)
        finally:
            await engine.dispose()

    print(f"attune: re-encrypted {asyncio.run(go())} notes under the first key")
    return 0


def backup(settings: Settings, target: Path, *, force: bool) -> int:
    """Copy the SQLite database to `target`; for PostgreSQL, say how pg_dump does it."""
    if make_url(settings.database_url).get_backend_name() != "sqlite":
        print(
            "attune: backup copies SQLite only; for PostgreSQL run: pg_dump --format=custom "
            f'--file={target} "{libpq_url(settings.database_url)}"',
            file=sys.stderr,
        )
        return 2
    source = sqlite_file(settings.database_url)
    problem = backup_problem(source, target, force=force)
    if problem is not None:
        print(f"attune: {problem}", file=sys.stderr)
        return 1
    assert source is not None
    try:
        counts = copy_sqlite(source, target)
    except (OSError, sqlite3.Error, RuntimeError) as error:
        print(f"attune: backup failed, nothing written: {reason(error)}", file=sys.stderr)
        return 1
    size = _size(target.stat().st_size)
    print(f"attune: backed up {source} to {target} ({size}, integrity ok)")
    width = max(map(len, counts), default=0)
    for table, count in counts.items():
        print(f"  {table:<{width}}  {count:>9,}")
    return 0


def _size(size: float) -> str:
    unit = "bytes"
    for bigger in ("KB", "MB", "GB"):
        if size < 1024:
            break
        size, unit = size / 1024, bigger
    return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
