"""Reading the bot's database from a test, to check what was (and wasn't) stored."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import event, func, select
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session

from store.models import Base

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
    show that something changed nothing."""
    found = {}
    for model in Base.__subclasses__():
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
