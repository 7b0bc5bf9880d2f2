"""Migrations run forward, back and forward again, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from messages.consent import CONSENT_VERSION
from scheduler.dispatch import Dispatcher
from store.db import create_engine, downgrade, migrate, session_factory
from store.models import Base, Prompt, Subscription
from tests.databases import BACKENDS, fresh_database
from tests.scheduler.people import NOW, RecordingSender

GRACE = timedelta(hours=1)


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


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_ritual_from_before_the_prompt_cycle_carries_on(
    backend: str, tmp_path: Path
) -> None:
    """A database from before 0007, with a person and a ritual already prompted: after the
    migration the ritual starts a fresh cycle and its next prompt comes as usual; going
    back keeps the rows."""
    engine = create_engine(await fresh_database(backend, tmp_path))
    # Stored as naive UTC, as store.models.UTCDateTime does.
    naive = {"now": NOW - timedelta(days=1), "due": NOW}
    values = {k: v.replace(tzinfo=None) for k, v in naive.items()} | {"consent": CONSENT_VERSION}
    try:
        await migrate(engine, "0006")
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO users (id, telegram_id, chat_id, locale, timezone, discreet,"
                    " quiet, consent_version, care_offers, adult_confirmed_at, consented_at,"
                    " created_at) VALUES (1, 10000, 10000, 'en', 'Europe/Berlin', :f, :f,"
                    " :consent, 0, :now, :now, :now)"
                ),
                {**values, "f": False},
            )
            await conn.execute(
                text(
                    "INSERT INTO subscriptions (id, user_id, ritual_key, local_time, weekdays,"
                    " active, prompts_claimed, next_due_at, created_at) VALUES"
                    " (1, 1, 'body_scan', '22:00', '0123456', :t, 37, :due, :now)"
                ),
                {**values, "t": True},
            )
            await conn.execute(
                text(
                    "INSERT INTO prompts (subscription_id, due_at, claimed_at, sent_at, variant,"
                    " state, snoozes) VALUES (1, :now, :now, :now, 36, 'answered', 0)"
                ),
                values,
            )
        await migrate(engine)
        async with session_factory(engine)() as session:
            sub = await session.get(Subscription, 1)
            assert sub is not None and (sub.cycle_shown, sub.last_prompt) == (0, None)
        sender = RecordingSender()
        report = await Dispatcher(session_factory(engine), sender, grace=GRACE).tick(NOW)
        assert report.sent == 1
        async with session_factory(engine)() as session:
            sub = await session.get(Subscription, 1)
            new = await session.scalar(select(Prompt).where(Prompt.due_at == NOW))
            assert sub is not None and new is not None
            assert sub.cycle_shown == 1 << new.variant and sub.last_prompt == new.variant
            assert sub.prompts_claimed == 38
        await downgrade(engine, "0006")
        async with engine.connect() as conn:
            kept = await conn.execute(text("SELECT count(*) FROM prompts"))
            assert kept.scalar_one() == 2
        await migrate(engine)
    finally:
        await engine.dispose()
