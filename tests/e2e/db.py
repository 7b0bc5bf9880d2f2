"""Reading the bot's database from a test, to check what was (and wasn't) stored; sealed
rows opened with the keyring beside it, as the bot opens them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine, Result
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session

from store import sealing
from store.check_ins import open_check_ins
from store.db import session_factory
from store.models import Base, CheckIn, DataIdentity, Milestone, Note
from store.person_keys import key_of
from tests.databases import keyring_for

M = TypeVar("M", bound=Base)


async def all_rows(database_url: str, model: type[M], **where: Any) -> list[M]:
    """Every row of `model` matching the equality filters in `where`."""
    engine = create_async_engine(database_url)
    try:
        async with AsyncSession(engine) as session:
            return list(await session.scalars(select(model).filter_by(**where)))
    finally:
        await engine.dispose()


async def snapshot(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as plain values, in a stable order: what a test compares to
    show that something changed nothing. (Not the data's identity: one row, written once
    when the bot first opens the database.)"""
    found = {}
    for model in Base.__subclasses__():
        if model is DataIdentity:
            continue
        columns = [c.key for c in model.__mapper__.column_attrs]
        rows = await all_rows(database_url, model)
        found[model.__tablename__] = sorted(
            (tuple(getattr(row, c) for c in columns) for row in rows), key=repr
        )
    return found


async def count(database_url: str, model: type[Base]) -> int:
    """How many rows `model`'s table holds."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        await engine.dispose()


@contextmanager
def rows_read() -> Iterator[list[int]]:
    """Count the rows the database hands every session in this process (the bot's too)
    while inside: how much a handler reads, whatever it does with it. Yields [rows]."""
    counted = [0]

    def count(state: ORMExecuteState) -> Result[Any]:
        result = state.invoke_statement()
        if not getattr(result, "returns_rows", True):
            return result  # an UPDATE or DELETE with nothing to hand back
        frozen = result.freeze()
        counted[0] += len(frozen.data)
        return frozen()

    event.listen(Session, "do_orm_execute", count)
    try:
        yield counted
    finally:
        event.remove(Session, "do_orm_execute", count)


@contextmanager
def statements_run() -> Iterator[list[str]]:
    """The SQL of every statement any engine in this process runs while inside (the bot's
    too), in order. Yields that list."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


@asynccontextmanager
async def keyed_session(database_url: str) -> AsyncIterator[AsyncSession]:
    """A session on the test's database that opens sealed values with each person's key
    (from the keyring beside it), as the bot's sessions do."""
    engine = create_async_engine(database_url)
    ring = keyring_for(database_url)
    try:
        async with session_factory(engine, ring)() as session:
            yield session
    finally:
        await engine.dispose()
        await ring.dispose()


async def opened_check_ins(database_url: str) -> list[CheckIn]:
    """Every check-in, in the order stored, opened with its person's key (as the bot reads
    them: `ritual_key`, `rating` and `win` set)."""
    async with keyed_session(database_url) as session:
        rows = list(await session.scalars(select(CheckIn).order_by(CheckIn.id)))
        for row in rows:
            await open_check_ins(session, [row])
        return rows


@dataclass(frozen=True)
class OpenedNote:
    """A note as its author sees it."""

    id: int
    check_in_id: int | None
    ritual_key: str | None
    text: str
    user_id: int
    written_at: datetime


async def opened_notes(database_url: str) -> list[OpenedNote]:
    """Every note, in the order stored, opened with its person's key."""
    async with keyed_session(database_url) as session:
        notes = list(await session.scalars(select(Note).order_by(Note.id)))
        opened = []
        for note in notes:
            key = await key_of(session, user_id=note.user_id)
            assert key is not None
            ritual = note.sealed_ritual
            opened.append(
                OpenedNote(
                    note.id,
                    note.check_in_id,
                    None if ritual is None else key.open_text(ritual, sealing.NOTE_RITUAL),
                    key.open_text(note.sealed_body, sealing.NOTE_BODY),
                    note.user_id,
                    note.created_at,
                )
            )
        return opened


@dataclass(frozen=True)
class OpenedMilestone:
    """A milestone as its person's key opens it."""

    key: str
    held: bool
    user_id: int


async def opened_milestones(database_url: str) -> list[OpenedMilestone]:
    """Every milestone, in the order stored, opened with its person's key."""
    async with keyed_session(database_url) as session:
        rows = list(await session.scalars(select(Milestone).order_by(Milestone.id)))
        opened = []
        for row in rows:
            key = await key_of(session, user_id=row.user_id)
            assert key is not None
            name = key.open_text(row.sealed_key, sealing.MILESTONE)
            opened.append(OpenedMilestone(name, row.held, row.user_id))
        return opened
