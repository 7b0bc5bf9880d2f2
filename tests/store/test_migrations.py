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
from store.check_ins import add_check_in, get_check_in
from store.crypto import DataKey, new_key
from store.db import create_engine, downgrade, migrate, session_factory
from store.keyring import KeyringProblem, open_keyring
from store.models import Base, Prompt, Subscription, User
from store.person_keys import MigrationKeys, prepare
from store.personal_data import collect
from store.progress import (
    add_milestones,
    history,
    note_bodies,
    practiced_before,
    reached_among,
    release_held,
)
from store.stats import schema_revision
from tests.databases import BACKENDS, DATA_KEY, fresh_database, keyring_for, keyring_url
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


async def _insert_0009_rows(engine: AsyncEngine) -> None:
    """Two people as 0009 stored them: one with check-ins (one with a named step), a note
    on one (a Fernet token under ATTUNE_DATA_KEY), a journal note and two milestones; one
    with nothing told yet."""
    at = (NOW - timedelta(days=1)).replace(tzinfo=None)
    legacy = DataKey([DATA_KEY])
    async with engine.begin() as conn:
        for person in (1, 2):
            await conn.execute(
                text(
                    "INSERT INTO users (id, telegram_id, chat_id, locale, discreet, quiet,"
                    " consent_version, care_offers, created_at) VALUES"
                    " (:id, :tg, :tg, 'en', :f, :f, 2, 0, :at)"
                ),
                {"id": person, "tg": 9000 + person, "f": False, "at": at},
            )
        await conn.execute(
            text(
                "INSERT INTO check_ins (id, user_id, ritual_key, rating, practiced_at,"
                " created_at, updated_at, win) VALUES (1, 1, 'body_scan', 2, :at, :at, :at,"
                " NULL), (2, 1, 'small_wins', 5, :later, :later, :later, 'tender')"
            ),
            {"at": at, "later": at + timedelta(hours=1)},
        )
        await conn.execute(
            text(
                "INSERT INTO notes (user_id, check_in_id, ritual_key, body, created_at) VALUES"
                " (1, 2, NULL, :on_check_in, :at), (1, NULL, 'breath', :journal, :at)"
            ),
            {
                "at": at,
                "on_check_in": legacy.encrypt(LEGACY_NOTE.encode()),
                "journal": legacy.encrypt(b"breathing helped"),
            },
        )
        await conn.execute(
            text(
                "INSERT INTO milestones (user_id, key, reached_at, held) VALUES"
                " (1, 'first:body_scan', :at, :f), (1, 'win:tender', :at, :t)"
            ),
            {"at": at, "f": False, "t": True},
        )


LEGACY_NOTE = "Written before keys were per person."


@pytest.mark.parametrize("backend", BACKENDS)
async def test_0010_seals_rows_already_stored_with_each_persons_key(
    backend: str, tmp_path: Path
) -> None:
    """A database at 0009 with real rows: without the keyring the migration stops with a
    sentence and changes nothing; with it, every person with rows gets a key and every
    value is sealed (old notes opened with ATTUNE_DATA_KEY first); going back opens them."""
    url = await fresh_database(backend, tmp_path)
    engine, ring = create_engine(url), keyring_for(url)
    try:
        await migrate(engine, "0009")
        await _insert_0009_rows(engine)
        with pytest.raises(KeyringProblem, match="ATTUNE_DATA_KEY set"):
            await migrate(engine)
        wrong = open_keyring(keyring_url(url), DataKey([new_key()]))
        with pytest.raises(KeyringProblem, match="opens with no key in ATTUNE_DATA_KEY"):
            await prepare(engine, wrong)
        await wrong.dispose()
        async with session_factory(engine)() as session:
            assert await schema_revision(session) == "0009"  # left as it was, both times

        await prepare(engine, ring)
        async with session_factory(engine, ring)() as session:
            assert [(e.ritual_key, e.rating) for e in await history(session, user_id=1)] == [
                ("body_scan", 2),
                ("small_wins", 5),
            ]
            assert await note_bodies(session, user_id=1, check_in_ids=[2]) == {2: LEGACY_NOTE}
            user = await session.get(User, 1)
            assert user is not None
            data = await collect(session, user=user)
            assert [(n["ritual"], n["text"]) for n in data["notes"]] == [
                (None, LEGACY_NOTE),
                ("breath", "breathing helped"),
            ]
            assert [c["step_named"] for c in data["check_ins"]] == [None, "tender"]
            reached = ["first:body_scan", "first:breath", "win:tender"]
            assert await reached_among(session, user_id=1, keys=reached) == {
                "first:body_scan",
                "win:tender",
            }
            assert await add_milestones(session, user_id=1, keys=["win:tender"], now=NOW) == []
            assert await release_held(session, user_id=1) == ["win:tender"]
            nobody = await session.get(User, 2)
            assert nobody is not None and nobody.key_id is None  # nothing to seal for them
        async with engine.connect() as conn:
            columns = await conn.run_sync(
                lambda sync: {t: inspect(sync).get_columns(t) for t in ("check_ins", "notes")}
            )
        names = {t: {c["name"] for c in found} for t, found in columns.items()}
        assert not {"ritual_key", "rating", "win"} & names["check_ins"]
        assert not {"ritual_key", "body"} & names["notes"]

        await downgrade(engine, "0009", keys=MigrationKeys(ring))
        async with engine.connect() as conn:
            rows = (
                await conn.execute(text("SELECT ritual_key, rating, win FROM check_ins"))
            ).all()
            bodies = list(await conn.scalars(text("SELECT body FROM notes ORDER BY id")))
        assert sorted(map(tuple, rows)) == [("body_scan", 2, None), ("small_wins", 5, "tender")]
        opened = [DataKey([DATA_KEY]).decrypt(body).decode() for body in bodies]
        assert opened == [LEGACY_NOTE, "breathing helped"]
    finally:
        await engine.dispose()
        await ring.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_0017_tags_the_practice_of_check_ins_already_stored(
    backend: str, tmp_path: Path
) -> None:
    """Check-ins stored before practice tags get theirs from their sealed practice, with
    each person's key (the keyring is needed, as for 0010), so a rating's growth reads
    them; and going back drops the tags only."""
    url = await fresh_database(backend, tmp_path)
    engine, ring = create_engine(url), keyring_for(url)
    try:
        await prepare(engine, ring)
        async with session_factory(engine, ring)() as session, session.begin():
            session.add(User(id=1, telegram_id=501, chat_id=501, created_at=NOW))
            await session.flush()
            stored = [
                await add_check_in(
                    session,
                    user_id=1,
                    ritual_key=key,
                    rating=rating,
                    now=NOW,
                    practiced_at=NOW - timedelta(days=days),
                )
                for key, rating, days in [("breath", 2, 3), ("body_scan", 4, 2), ("breath", 5, 1)]
            ]
        await downgrade(engine, "0016", keys=MigrationKeys(ring))
        with pytest.raises(KeyringProblem, match=r"0017 .* ATTUNE_DATA_KEY set"):
            await migrate(engine)

        await prepare(engine, ring)
        async with session_factory(engine, ring)() as session:
            async with engine.connect() as conn:
                untagged = await conn.scalar(
                    text("SELECT count(*) FROM check_ins WHERE practice_tag IS NULL")
                )
            assert untagged == 0
            latest = await get_check_in(session, check_in_id=stored[-1].id)
            assert latest is not None
            earlier = await practiced_before(
                session, check_in=latest, since=NOW - timedelta(days=28)
            )
            assert [(e.ritual_key, e.rating) for e in earlier] == [("breath", 2)]
    finally:
        await engine.dispose()
        await ring.dispose()
