"""`attune migrate`, `attune rotate-key` and `attune backup`: the database chores.

Each runs to the end and prints one verdict (and, for a backup, rows per table); the
copying itself is store.backup's. The keyring is always handled beside the data: migrated
and tied with it, rotated on its own, and backed up to a file of its own.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.data_key import keyring, load_data_key
from bot.one_line import reason
from bot.settings import Settings
from store.backup import backup_problem, copy_sqlite
from store.crypto import DataKey
from store.database_url import libpq_url, sqlite_file
from store.db import create_engine, session_factory
from store.key_check import check_keys
from store.keyring import KeyringProblem
from store.person_keys import prepare

# Where `attune backup PATH` puts the keyring unless --keyring names a file.
KEYRING_SUFFIX = ".keyring"


def migrate_database(settings: Settings, *, keyring_lost: bool = False) -> int:
    """Bring the data and keyring schemas up to date and tie them (replicas may run this at
    once). Without ATTUNE_DATA_KEY it still can, as long as no stored row must be sealed."""
    try:
        data_key: DataKey | None = load_data_key(settings)
    except ValueError:
        data_key = None

    async def go() -> None:
        engine = create_engine(settings.database_url)
        ring = keyring(settings, data_key)
        try:
            await prepare(engine, ring, keyring_lost=keyring_lost)
        finally:
            await engine.dispose()
            await ring.dispose()

    try:
        asyncio.run(go())
    except KeyringProblem as error:
        print(f"attune: {error}", file=sys.stderr)
        return 1
    print("attune: database and keyring are up to date")
    return 0


def rotate_key(settings: Settings, data_key: DataKey) -> int:
    """Wrap every person key again under the first of ATTUNE_DATA_KEY's keys, then check
    that every one unwraps under that key alone and that a sample of sealed values opens."""

    async def go() -> tuple[int, int, int, int, int]:
        engine = create_engine(settings.database_url)
        ring = keyring(settings, data_key)
        try:
            await prepare(engine, ring)
            rewrapped = await ring.rewrap()
            first = data_key.first_only()
            _, refused = await ring.unwrappable(first)
            async with session_factory(engine, ring)() as session:
                report = await check_keys(session, ring, first)
            return rewrapped, len(refused), report.missing, report.opened, report.unopened
        finally:
            await engine.dispose()
            await ring.dispose()

    try:
        rewrapped, refused, missing, opened, unopened = asyncio.run(go())
    except KeyringProblem as error:
        print(f"attune: {error}", file=sys.stderr)
        return 1
    print(f"attune: wrapped {rewrapped} person keys again under the first key")
    if refused or missing or unopened:
        print(
            f"attune: check FAILED: {refused} keys do not unwrap under the first key alone,"
            f" {missing} people's keys are missing, {unopened} sealed values of a sample do"
            " not open; keep the old key in ATTUNE_DATA_KEY",
            file=sys.stderr,
        )
        return 1
    print(
        f"attune: checked: all {rewrapped} unwrap under the first key alone, and {opened}"
        " sealed values of a sample open; the old key can be removed from ATTUNE_DATA_KEY"
    )
    return 0


def backup(settings: Settings, target: Path, *, keyring_target: Path | None, force: bool) -> int:
    """Copy the SQLite data to `target` and the keyring to a file of its own (`target` +
    ".keyring" unless named); for PostgreSQL, say how pg_dump does it.

    The data is copied first: a keyring copied after it holds every key the data copy
    needs (and perhaps newer ones), never fewer.
    """
    keyring_target = keyring_target or target.with_name(target.name + KEYRING_SUFFIX)
    pairs = [(settings.database_url, target), (settings.keyring(), keyring_target)]
    if any(make_url(url).get_backend_name() != "sqlite" for url, _ in pairs):
        print(
            "attune: backup copies SQLite only; for PostgreSQL run, data first, then keyring"
            " (to files kept apart):",
            file=sys.stderr,
        )
        for url, path in pairs:
            if make_url(url).get_backend_name() != "sqlite":
                print(
                    f'  pg_dump --format=custom --file={path} "{libpq_url(url)}"', file=sys.stderr
                )
        return 2
    if keyring_target.resolve() == target.resolve():
        print("attune: the keyring's backup needs a file of its own", file=sys.stderr)
        return 1
    for url, path in pairs:
        problem = backup_problem(sqlite_file(url), path, force=force)
        if problem is not None:
            print(f"attune: {problem}", file=sys.stderr)
            return 1
    for url, path in pairs:
        source = sqlite_file(url)
        assert source is not None
        try:
            counts = copy_sqlite(source, path)
        except (OSError, sqlite3.Error, RuntimeError) as error:
            print(f"attune: backup failed, {path} not written: {reason(error)}", file=sys.stderr)
            return 1
        size = _size(path.stat().st_size)
        print(f"attune: backed up {source} to {path} ({size}, integrity ok)")
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
