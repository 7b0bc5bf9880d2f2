"""`migrate` from several processes at once: one migrates, the others wait and find it done.

On PostgreSQL an advisory lock, taken before Alembic reads the revision, serialises them;
on SQLite the write lock of BEGIN IMMEDIATE does. Either way a migration is one
transaction, so one that fails leaves the schema as it was.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

import store.db
from store.db import MIGRATION_LOCK, create_engine, downgrade, migrate
from store.models import Base, DataIdentity
from store.stats import head_revision
from tests.databases import BACKENDS, PG_URL, fresh_database, keyring_for, keyring_url

needs_pg = pytest.mark.skipif(PG_URL is None, reason="ATTUNE_TEST_PG_URL is not set")


async def _versions(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
            return [row[0] for row in rows]
    finally:
        await engine.dispose()


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def _migrate_with_own_engine(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_five_engines_migrating_at_once_all_succeed(backend: str, tmp_path: Path) -> None:
    url = await fresh_database(backend, tmp_path)
    await asyncio.wait_for(
        asyncio.gather(*(_migrate_with_own_engine(url) for _ in range(5))), timeout=30
    )
    assert await _versions(url) == [head_revision()]
    assert set(Base.metadata.tables) <= await _tables(url)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_four_processes_migrating_at_once_all_succeed(backend: str, tmp_path: Path) -> None:
    """What replicas starting together do: `python -m bot migrate` in separate processes."""
    url = await fresh_database(backend, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ATTUNE_"))}
    env["DATABASE_URL"] = url
    if backend != "sqlite":
        env["ATTUNE_KEYRING_URL"] = keyring_url(url)  # made, and tied, by one of them
    command = [sys.executable, "-m", "bot", "migrate"]
    processes = [
        await asyncio.create_subprocess_exec(
            *command,
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(4)
    ]
    errors = await asyncio.wait_for(
        asyncio.gather(*(p.communicate() for p in processes)), timeout=60
    )
    assert [p.returncode for p in processes] == [0] * 4, [e.decode()[-400:] for _, e in errors]
    assert await _versions(url) == [head_revision()]
    # One keyring, tied to this data by one of them.
    engine, ring = create_engine(url), keyring_for(url)
    async with engine.connect() as conn:
        data_ids = list(await conn.scalars(select(DataIdentity.data_id)))
    await engine.dispose()
    assert [await ring.tied_to()] == data_ids
    await ring.dispose()


@asynccontextmanager
async def _half_way_migration(url: str) -> AsyncIterator[AsyncConnection]:
    """Another replica in the middle of migrating: lock taken, schema made, not committed."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn, conn.begin():
            await conn.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
            await conn.run_sync(
                lambda sync: command.upgrade(store.db._alembic_config(sync), "head")
            )
            yield conn
    finally:
        await engine.dispose()


@pytest.mark.pg
@needs_pg
async def test_a_migration_waits_for_the_one_in_progress(tmp_path: Path) -> None:
    url = await fresh_database("postgresql", tmp_path)
    async with _half_way_migration(url):
        waiting = asyncio.create_task(_migrate_with_own_engine(url))
        await asyncio.sleep(1.0)
        assert not waiting.done(), "migrate did not wait for the migration in progress"
    await asyncio.wait_for(waiting, timeout=10)  # and then finds nothing to do
    assert await _versions(url) == [head_revision()]


@pytest.mark.pg
@needs_pg
async def test_without_the_lock_the_second_migration_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race the lock prevents: both read "no schema", the second to commit fails."""

    @asynccontextmanager
    async def plain_transaction(conn: AsyncConnection) -> AsyncIterator[None]:
        async with conn.begin():
            yield

    monkeypatch.setattr(store.db, "_one_at_a_time", plain_transaction)
    url = await fresh_database("postgresql", tmp_path)
    async with _half_way_migration(url):
        racing = asyncio.create_task(_migrate_with_own_engine(url))
        await asyncio.sleep(1.0)  # it read "no schema" and now waits on our new tables
    with pytest.raises(IntegrityError, match="duplicate key"):
        await asyncio.wait_for(racing, timeout=10)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_failing_migration_leaves_the_schema_as_it_was(
    backend: str, tmp_path: Path
) -> None:
    url = await fresh_database(backend, tmp_path)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:  # in the way of revision 0003
            await conn.execute(text("CREATE TABLE milestones (id INTEGER PRIMARY KEY)"))
        with pytest.raises(DBAPIError, match="milestones"):
            await migrate(engine)
        assert await _tables(url) == {"milestones"}, "half a schema was left behind"
        async with engine.connect() as conn:  # the pooled connection is as it was
            if backend == "sqlite":
                fks = await conn.exec_driver_sql("PRAGMA foreign_keys")
                assert fks.scalar_one() == 1
    finally:
        await engine.dispose()


async def test_on_sqlite_rebuilding_a_table_keeps_the_rows_that_point_at_it(
    tmp_path: Path,
) -> None:
    """SQLite rebuilds `users` to drop a column; with foreign keys on, dropping the old
    table would cascade-delete everyone's rituals."""
    url = await fresh_database("sqlite", tmp_path)
    engine = create_engine(url)
    try:
        await migrate(engine)
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO users (id, telegram_id, chat_id, locale, discreet, quiet,"
                    " consent_version, created_at) VALUES (1, 1, 1, 'en', 1, 0, 0, '2026-01-01')"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO subscriptions (user_id, ritual_key, local_time, weekdays,"
                    " active, prompts_claimed, created_at)"
                    " VALUES (1, 'breath', '22:00', '0123456', 1, 0, '2026-01-01')"
                )
            )
        await downgrade(engine, "0003")  # rebuilds users without three columns
        await migrate(engine)
        async with engine.connect() as conn:
            kept = await conn.execute(text("SELECT count(*) FROM subscriptions"))
            assert kept.scalar_one() == 1
    finally:
        await engine.dispose()
