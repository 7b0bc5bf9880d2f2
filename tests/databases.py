"""The databases tests run against: a SQLite file always, PostgreSQL when configured; and
the keyring beside each (a file beside SQLite, `<name>_ring` on the PostgreSQL server)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from store.crypto import DataKey
from store.database_url import keyring_beside
from store.db import create_engine, migrate
from store.keyring import Keyring, open_keyring
from store.person_keys import prepare

# CI sets this (see .ci/run); elsewhere the PostgreSQL variants are skipped.
PG_URL = os.environ.get("ATTUNE_TEST_PG_URL")

# A fixed data key, so a test can also read what the bot stored.
DATA_KEY = "k0PlHPFDdP5nRkzj7Qm1yP1F2lYe0Xy4VbV9o6b7m_Q="

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.pg,
            pytest.mark.skipif(PG_URL is None, reason="ATTUNE_TEST_PG_URL is not set"),
        ],
    ),
]


def keyring_url(database_url: str) -> str:
    """The keyring of a test database: the file beside SQLite, `<name>_ring` beside a
    PostgreSQL database."""
    beside = keyring_beside(database_url)
    if beside is not None:
        return beside
    url = make_url(database_url)
    return url.set(database=f"{url.database}_ring").render_as_string(hide_password=False)


def keyring_for(database_url: str) -> Keyring:
    """The keyring of a test database, with the tests' DATA_KEY (not yet prepared)."""
    return open_keyring(keyring_url(database_url), DataKey([DATA_KEY]))


async def fresh_database(backend: str, tmp_path: Path) -> str:
    """The URL of an empty database on `backend` (and an empty keyring beside it)."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}"
    assert PG_URL is not None
    for url in (PG_URL, keyring_url(PG_URL)):
        await empty_postgres(url)
    return PG_URL


async def empty_postgres(url: str) -> None:
    """Drop everything in the PostgreSQL database at `url`, creating it if need be."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    except Exception as error:  # asyncpg's connect error arrives unwrapped
        cause = error.orig if isinstance(error, DBAPIError) else error
        if getattr(cause, "sqlstate", None) != "3D000":  # no such database
            raise
        server = create_async_engine(
            make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        async with server.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{make_url(url).database}"'))
        await server.dispose()
    finally:
        await engine.dispose()


@pytest.fixture(params=BACKENDS)
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database on each backend."""
    url = await fresh_database(request.param, tmp_path)
    engine = create_engine(url)
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def keyring(engine: AsyncEngine) -> AsyncIterator[Keyring]:
    """The keyring of `engine`'s database, tied to it, with the tests' DATA_KEY."""
    ring = keyring_for(engine.url.render_as_string(hide_password=False))
    await prepare(engine, ring)
    yield ring
    await ring.dispose()
