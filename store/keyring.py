"""The keyring: every person's key, wrapped by ATTUNE_DATA_KEY, in a database of its own.

It lives apart from the data (by default a second SQLite file beside it; for PostgreSQL,
ATTUNE_KEYRING_URL names another database), so a copy of the data, even with
ATTUNE_DATA_KEY, opens nothing; and /delete, which destroys the key first, reaches every
copy of the data, backups included. A key is named by a random id, never the person's row
id (SQLite reuses those). One row of `keyring_meta` ties the keyring to one data database.

Its three small tables (store.keyring_models) are made by `create_all`, not Alembic.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from store.crypto import DataKey
from store.db import MIGRATION_LOCK, create_engine
from store.key_cache import KeyCache
from store.keyring_models import DestroyedKey, KeyringBase, KeyringMeta, PersonKeyRow
from store.sealing import PersonKey, new_secret

log = logging.getLogger(__name__)

# How often, and how far apart, SQLite is asked to fold the WAL back after a key is
# destroyed: a reader in the middle of a query holds the checkpoint back for a moment.
_CHECKPOINT_TRIES: Final = 20
_CHECKPOINT_PAUSE: Final = 0.05
_BATCH: Final = 500
# PostgreSQL's SQLSTATE for "database does not exist" (invalid_catalog_name).
_NO_SUCH_DATABASE: Final = "3D000"


class KeyringProblem(ValueError):
    """The keyring can't serve this data as it is (another data's keyring, an empty one,
    a key ATTUNE_DATA_KEY doesn't unwrap); the message tells the operator what to do."""


def new_id() -> str:
    """A random id for a key or a data database: 16 bytes, as hex."""
    return secrets.token_hex(16)


class Keyring:
    """Creates, finds, destroys and rewraps person keys; unwrapped keys are cached."""

    def __init__(
        self, engine: AsyncEngine, data_key: DataKey | None, cache: KeyCache | None = None
    ) -> None:
        self.engine = engine
        self._data_key = data_key
        self._cache = cache if cache is not None else KeyCache()

    @property
    def has_data_key(self) -> bool:
        """Whether keys can be made and unwrapped (ATTUNE_DATA_KEY was given)."""
        return self._data_key is not None

    @property
    def data_key(self) -> DataKey:
        """ATTUNE_DATA_KEY; KeyringProblem where a command opened the keyring without it."""
        if self._data_key is None:
            raise KeyringProblem("ATTUNE_DATA_KEY is needed to reach people's keys; set it")
        return self._data_key

    async def prepare(self) -> None:
        """Create the keyring's tables (and its PostgreSQL database) if they aren't there."""
        await _ensure_database(self.engine)
        async with self.engine.connect() as conn:
            await _one_at_a_time(conn)
            await conn.run_sync(KeyringBase.metadata.create_all)
            await conn.commit()

    async def tied_to(self) -> str | None:
        """The data database this keyring serves; None while it serves none yet."""
        async with self.engine.connect() as conn:
            found = await conn.scalar(select(KeyringMeta.data_id))
        return None if found is None else str(found)

    async def tie(self, data_id: str) -> str:
        """Make this keyring the one for `data_id`, unless it serves one already; returns
        the id it serves (replicas starting together agree on one)."""
        async with self.engine.connect() as conn:
            await _one_at_a_time(conn)
            tied = await conn.scalar(select(KeyringMeta.data_id))
            if tied is None:
                await conn.execute(insert(KeyringMeta).values(data_id=data_id))
            await conn.commit()
        return data_id if tied is None else str(tied)

    async def create(self) -> PersonKey:
        """A new person key, committed to the keyring before anything is sealed with it."""
        secret = new_secret()
        key = PersonKey(new_id(), secret)
        row = {"key_id": key.key_id, "wrapped": self.data_key.encrypt(secret)}
        async with self.engine.begin() as conn:
            await conn.execute(insert(PersonKeyRow).values(**row, created_at=datetime.now(UTC)))
        self._cache.put(key)
        return key

    async def find(self, key_id: str) -> PersonKey | None:
        """The key named `key_id`; None if the keyring has no such key (destroyed).

        ValueError if ATTUNE_DATA_KEY does not unwrap it: a setting to fix, never a reason
        to treat the person as gone.
        """
        key = self._cache.get(key_id)
        if key is not None:
            return key
        async with self.engine.connect() as conn:
            wrapped = await conn.scalar(
                select(PersonKeyRow.wrapped).where(PersonKeyRow.key_id == key_id)
            )
        if wrapped is None:
            return None
        key = PersonKey(key_id, self.data_key.decrypt(wrapped))
        self._cache.put(key)
        return key

    async def present(self, key_ids: Collection[str]) -> set[str]:
        """Which of `key_ids` the keyring holds."""
        return await self._which(PersonKeyRow.key_id, key_ids)

    async def destroyed(self, key_ids: Collection[str]) -> set[str]:
        """Which of `key_ids` were destroyed on purpose."""
        return await self._which(DestroyedKey.key_id, key_ids)

    async def _which(self, column: Any, key_ids: Collection[str]) -> set[str]:
        found: set[str] = set()
        ids = list(key_ids)
        async with self.engine.connect() as conn:
            for start in range(0, len(ids), _BATCH):
                chunk = ids[start : start + _BATCH]
                found.update(await conn.scalars(select(column).where(column.in_(chunk))))
        return found

    async def destroy(self, key_id: str) -> None:
        """Delete the key for good: committed, then the keyring's own copies of it go too
        (SQLite: the WAL folded back into the zeroed file; PostgreSQL: the table rewritten).

        From then on no copy of what was sealed with it can be opened.
        """
        self._cache.evict(key_id)
        async with self.engine.begin() as conn:
            gone = await conn.execute(delete(PersonKeyRow).where(PersonKeyRow.key_id == key_id))
            if not gone.rowcount:
                return
            await conn.execute(
                insert(DestroyedKey).values(key_id=key_id, destroyed_at=datetime.now(UTC))
            )
        await self._scrub()

    async def discard(self, key_id: str) -> None:
        """Delete a key nothing was sealed with (it lost a race to another new key)."""
        self._cache.evict(key_id)
        async with self.engine.begin() as conn:
            await conn.execute(delete(PersonKeyRow).where(PersonKeyRow.key_id == key_id))

    async def key_ids(self) -> list[str]:
        """Every key id the keyring holds."""
        async with self.engine.connect() as conn:
            return list(await conn.scalars(select(PersonKeyRow.key_id).order_by("key_id")))

    async def rewrap(self) -> int:
        """Wrap every key again under ATTUNE_DATA_KEY's first key; returns how many.

        A batch at a time, each committed: a rotation cut short leaves every key
        unwrappable by the old or the new key, and running it again finishes it.
        """
        done, after = 0, ""
        while True:
            async with self.engine.begin() as conn:
                rows = (
                    await conn.execute(
                        select(PersonKeyRow.key_id, PersonKeyRow.wrapped)
                        .where(PersonKeyRow.key_id > after)
                        .order_by(PersonKeyRow.key_id)
                        .limit(_BATCH)
                    )
                ).all()
                for key_id, wrapped in rows:
                    await conn.execute(
                        update(PersonKeyRow)
                        .where(PersonKeyRow.key_id == key_id)
                        .values(wrapped=self.data_key.rotate(wrapped))
                    )
            if not rows:
                self._cache.clear()
                return done
            done += len(rows)
            after = rows[-1][0]

    async def unwrappable(self, data_key: DataKey) -> tuple[int, list[str]]:
        """How many keys `data_key` unwraps, and the ids of those it does not."""
        opened, after = 0, ""
        refused: list[str] = []
        async with self.engine.connect() as conn:
            while True:
                rows = (
                    await conn.execute(
                        select(PersonKeyRow.key_id, PersonKeyRow.wrapped)
                        .where(PersonKeyRow.key_id > after)
                        .order_by(PersonKeyRow.key_id)
                        .limit(_BATCH)
                    )
                ).all()
                if not rows:
                    return opened, refused
                for key_id, wrapped in rows:
                    try:
                        PersonKey(key_id, data_key.decrypt(wrapped))
                        opened += 1
                    except ValueError:
                        refused.append(key_id)
                after = rows[-1][0]

    def forget_cached(self) -> None:
        """Forget every unwrapped key (the next find reads and unwraps again)."""
        self._cache.clear()

    async def dispose(self) -> None:
        """Close the keyring's connections and forget every unwrapped key."""
        self._cache.clear()
        await self.engine.dispose()

    async def scrub_after(self, within: timedelta) -> bool:
        """Scrub again if a key was destroyed in the last `within` (housekeeping, hourly;
        on the clock destroy() wrote, the real one); True if it did.

        On PostgreSQL a deleted row's bytes stay while any transaction older than the
        deletion runs anywhere on the server, so the scrub at /delete may not be the last.
        """
        async with self.engine.connect() as conn:
            recent = await conn.scalar(
                select(DestroyedKey.key_id)
                .where(DestroyedKey.destroyed_at >= datetime.now(UTC) - within)
                .limit(1)
            )
        if recent is None:
            return False
        await self._scrub()
        return True

    async def _scrub(self) -> None:
        """Make the keyring's own copies of deleted keys go (see destroy)."""
        if self.engine.dialect.name == "sqlite":
            for _ in range(_CHECKPOINT_TRIES):
                async with self.engine.connect() as conn:
                    busy = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).first()
                if busy is not None and busy[0] == 0:
                    return
                await asyncio.sleep(_CHECKPOINT_PAUSE)
            log.warning("keyring: the WAL stays until the next checkpoint (readers held it)")
            return
        # A plain VACUUM leaves the deleted row's bytes in the page (measured on 15);
        # VACUUM FULL writes the table anew, without the row once no older transaction runs
        # on the server. It is small: a row per person (make bench times it).
        async with self.engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.exec_driver_sql("VACUUM FULL person_keys")


def open_keyring(url: str, data_key: DataKey | None) -> Keyring:
    """A keyring on `url` (nothing is connected until it is used)."""
    return Keyring(create_engine(url), data_key)


async def _one_at_a_time(conn: AsyncConnection) -> None:
    """Begin a transaction no other process's preparing or tying overlaps (processes
    starting together: one creates and ties, the others then find it done)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
    else:  # pysqlite sends no BEGIN before DDL or a SELECT: take SQLite's write lock first
        await conn.exec_driver_sql("BEGIN IMMEDIATE")


async def _ensure_database(engine: AsyncEngine) -> None:
    """On PostgreSQL, create the keyring's database if the server has none of its name."""
    if engine.dialect.name != "postgresql":
        return
    try:
        async with engine.connect():
            return
    except Exception as error:  # the driver's own error: asyncpg's is not wrapped on connect
        cause = error.orig if isinstance(error, DBAPIError) else error
        if getattr(cause, "sqlstate", None) != _NO_SUCH_DATABASE:
            raise
    url = engine.url
    server = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with server.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{_plain_name(url.database)}"'))
    finally:
        await server.dispose()
    log.info("keyring: created its database on the PostgreSQL server")


def _plain_name(name: str | None) -> str:
    if not name or not all(c.isalnum() or c in "_-" for c in name):
        raise ValueError("ATTUNE_KEYRING_URL's database name must be letters, digits, _ or -")
    return name
