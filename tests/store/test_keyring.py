"""The keyring on SQLite and PostgreSQL: keys made once per person even in a race, found
again by another process, destroyed for good (a destroyed key means an erased person, a
missing one means an old keyring), and tied to one data database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from store.check_ins import add_check_in
from store.crypto import DataKey, new_key
from store.db import create_engine, session_factory
from store.keyring import Keyring, KeyringProblem, open_keyring
from store.keyring_models import PersonKeyRow
from store.models import CheckIn, Note, User
from store.notes import add_note
from store.person_keys import KeyringBehind, key_of, prepare
from store.personal_data import erase
from store.progress import history
from store.users import forget_keyless, get_user
from tests.databases import DATA_KEY, empty_postgres, keyring_url

NOW = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)


async def _person(engine: AsyncEngine, telegram_id: int) -> int:
    async with session_factory(engine)() as session, session.begin():
        user = User(telegram_id=telegram_id, chat_id=telegram_id, created_at=NOW)
        session.add(user)
        await session.flush()
        return user.id


async def _told(engine: AsyncEngine, keyring: Keyring, user_id: int) -> None:
    """The person rates a practice and writes a note."""
    async with session_factory(engine, keyring)() as session, session.begin():
        await add_check_in(
            session, user_id=user_id, ritual_key="breath", rating=4, practiced_at=NOW, now=NOW
        )
        await add_note(session, user_id=user_id, text="slow breaths", now=NOW)


def _url(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=False)


async def test_a_key_is_made_once_even_when_three_updates_race_for_it(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    sam = await _person(engine, 1)

    async def note(n: int) -> None:
        async with session_factory(engine, keyring)() as session, session.begin():
            await add_note(session, user_id=sam, text=f"note {n}", now=NOW)

    await asyncio.gather(note(1), note(2), note(3))
    async with session_factory(engine, keyring)() as session:
        user = await session.get(User, sam)
        assert user is not None and user.key_id is not None
        # The losers' keys were discarded unused: the keyring holds the one key.
        assert await keyring.key_ids() == [user.key_id]
    # Another process, with nothing cached, opens all three with it.
    other = open_keyring(keyring_url(_url(engine)), DataKey([DATA_KEY]))
    async with session_factory(engine, other)() as session:
        key = await key_of(session, user_id=sam)
        assert key is not None
        sealed = list(await session.scalars(select(Note.sealed_body).order_by(Note.id)))
        assert sorted(key.open_text(s, "notes.sealed_body") for s in sealed) == [
            "note 1",
            "note 2",
            "note 3",
        ]
    await other.dispose()


async def test_erasing_destroys_the_key_first_and_for_good(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    sam, alex = await _person(engine, 2), await _person(engine, 3)
    await _told(engine, keyring, sam)
    await _told(engine, keyring, alex)
    async with session_factory(engine, keyring)() as session:
        key_id = (await session.get(User, sam)).key_id  # type: ignore[union-attr]
    async with session_factory(engine, keyring)() as session, session.begin():
        await erase(session, user_id=sam)
    assert key_id not in await keyring.key_ids()
    assert await keyring.destroyed([key_id]) == {key_id}
    assert await keyring.find(key_id) is None  # not kept in the cache either
    async with session_factory(engine, keyring)() as session:
        assert [e.rating for e in await history(session, user_id=alex)] == [4]


async def test_a_person_whose_key_was_destroyed_is_erased_and_greeted_as_new(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    """A crash between destroying the key and erasing the rows (or an older data backup):
    the rows go when the person next writes, or when housekeeping runs."""
    sam, alex = await _person(engine, 4), await _person(engine, 5)
    await _told(engine, keyring, sam)
    await _told(engine, keyring, alex)
    async with session_factory(engine, keyring)() as session:
        ids = {u.id: u.key_id for u in await session.scalars(select(User))}
    for key_id in ids.values():
        assert key_id is not None
        await keyring.destroy(key_id)  # and then the crash: the rows are still there
    async with session_factory(engine, keyring)() as session, session.begin():
        assert await get_user(session, telegram_id=4) is None
    async with session_factory(engine, keyring)() as session, session.begin():
        assert await forget_keyless(session) == 1  # Alex, who did not write
    async with session_factory(engine, keyring)() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0
        assert await session.scalar(select(func.count()).select_from(CheckIn)) == 0


async def test_a_key_missing_without_being_destroyed_erases_nobody(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    """An older keyring restored over the newer one: the people it lacks are not erased."""
    sam = await _person(engine, 6)
    await _told(engine, keyring, sam)
    async with keyring.engine.begin() as conn:
        await conn.execute(delete(PersonKeyRow))
    fresh = open_keyring(keyring_url(_url(engine)), DataKey([DATA_KEY]))  # nothing cached
    async with session_factory(engine, fresh)() as session, session.begin():
        with pytest.raises(KeyringBehind):
            await get_user(session, telegram_id=6)
    async with session_factory(engine, fresh)() as session, session.begin():
        assert await forget_keyless(session) == 0
    async with session_factory(engine, fresh)() as session:
        assert await session.scalar(select(func.count()).select_from(CheckIn)) == 1
    await fresh.dispose()


async def test_a_data_key_that_does_not_unwrap_is_an_error_not_an_erasure(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    sam = await _person(engine, 7)
    await _told(engine, keyring, sam)
    wrong = open_keyring(keyring_url(_url(engine)), DataKey([new_key()]))
    async with session_factory(engine, wrong)() as session:
        with pytest.raises(ValueError):
            await key_of(session, user_id=sam)
    with pytest.raises(KeyringProblem, match="does not unwrap"):
        await prepare(engine, wrong)
    await wrong.dispose()


async def test_a_keyring_serves_one_data_database(
    engine: AsyncEngine, keyring: Keyring, tmp_path: object
) -> None:
    sam = await _person(engine, 8)
    await _told(engine, keyring, sam)
    # An empty keyring for data that holds sealed rows: refused, unless it is lost for good.
    if engine.dialect.name == "sqlite":
        empty_url = f"sqlite+aiosqlite:///{tmp_path}/empty-keyring.db"
    else:
        empty_url = keyring_url(_url(engine)).replace("_ring", "_ring_empty")
        await empty_postgres(empty_url)
    empty = open_keyring(empty_url, DataKey([DATA_KEY]))
    with pytest.raises(KeyringProblem, match="keyring is new, but 1 people's words"):
        await prepare(engine, empty)
    await prepare(engine, empty, keyring_lost=True)
    async with session_factory(engine, empty)() as session:
        user = await session.get(User, sam)
        assert user is not None and user.key_id is None  # schedules and settings stay
        assert await session.scalar(select(func.count()).select_from(Note)) == 0
    await empty.dispose()
    # Another data database (a new one here) and this data's keyring: refused.
    other = create_engine(f"sqlite+aiosqlite:///{tmp_path}/other.db")
    with pytest.raises(KeyringProblem, match="belongs to another data database"):
        await prepare(other, keyring)
    await other.dispose()
