"""The databases tests run against: a SQLite file always, PostgreSQL when configured."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

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
