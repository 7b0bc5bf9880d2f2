"""The databases tests run against: a SQLite file always, PostgreSQL when configured."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from store.db import create_engine, migrate

# CI sets this (see .ci/run); elsewhere the PostgreSQL variants are skipped.
PG_URL = os.environ.get("ATTUNE_TEST_PG_URL")

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


async def fresh_database(backend: str, tmp_path: Path) -> str:
    """The URL of an empty database on `backend`."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}"
    assert PG_URL is not None
    engine = create_async_engine(PG_URL)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    return PG_URL


@pytest.fixture(params=BACKENDS)
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database on each backend."""
    url = await fresh_database(request.param, tmp_path)
    engine = create_engine(url)
    await migrate(engine)
    yield engine
    await engine.dispose()
