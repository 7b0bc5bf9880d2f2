"""Migrations run forward, back and forward again, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import create_engine, downgrade, migrate
from store.models import Base
from tests.databases import BACKENDS, fresh_database


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_forward_back_and_forward_again(backend: str, tmp_path: Path) -> None:
    engine = create_engine(await fresh_database(backend, tmp_path))
    try:
        await migrate(engine)
        await migrate(engine)  # idempotent
        assert set(Base.metadata.tables) <= await _tables(engine)
        await downgrade(engine, "base")
        assert await _tables(engine) <= {"alembic_version"}
        await migrate(engine)
        assert set(Base.metadata.tables) <= await _tables(engine)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_models_and_migrations_agree(backend: str, tmp_path: Path) -> None:
    """Autogenerate finds nothing to do: every model change came with its migration."""
    engine = create_engine(await fresh_database(backend, tmp_path))
    try:
        await migrate(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
        assert diff == []
    finally:
        await engine.dispose()
