"""What a tap costs the database as a person's history grows: naming a step and the welcome
back read a fixed number of rows, against loading the whole history (which the milestone
rules did before they were bounded; benchmarks/bench_tap.py measures them now).

    python benchmarks/bench_wins.py [postgresql+asyncpg://…]

For a person with 100, 1,000 and 10,000 check-ins (among 20 other people with 500 each),
it times, median of 100 runs inside a rolled-back transaction: the read behind a welcome
back (the check-in made just before, one step back in the (user, created_at) index);
naming a step with its first-of-kind milestone (one UPDATE, one insert-or-ignore); and,
for comparison, loading the whole history.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from bench_common import NOW, Table
from bench_data import keyring_url, reset, sqlite_url
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from progress.milestones import COUNT_ENOUGH
from store.check_ins import before, name_win, open_check_ins
from store.crypto import DataKey, new_key
from store.db import create_engine, session_factory
from store.keyring import Keyring, open_keyring
from store.models import CheckIn, User
from store.person_keys import key_to_seal, prepare
from store.progress import add_milestones, history

SIZES = (100, 1_000, 10_000)
OTHERS, OTHERS_EACH = 20, 500
RUNS = 100


async def _fill(url: str, size: int) -> None:
    """A fresh database and keyring: the person (user 1) with `size` check-ins, sealed with
    their key, and the others."""
    await reset(url)
    engine, ring = create_engine(url), _keyring(url)
    try:
        await prepare(engine, ring)
        async with session_factory(engine, ring)() as session, session.begin():
            people = [
                {"id": n, "telegram_id": n, "chat_id": n, "created_at": NOW}
                for n in range(1, OTHERS + 2)
            ]
            await session.execute(insert(User), people)
            rows = []
            for user, count in [(1, size)] + [(n, OTHERS_EACH) for n in range(2, OTHERS + 2)]:
                key = await key_to_seal(session, user_id=user)
                for i in range(count):
                    at = NOW - timedelta(hours=12 * (count - i))
                    rows.append(
                        {
                            "user_id": user,
                            "sealed": key.seal_check_in("small_wins", 1 + i % 5),
                            "practiced_at": at,
                            "created_at": at,
                            "updated_at": at,
                        }
                    )
            await session.execute(insert(CheckIn), rows)
    finally:
        await engine.dispose()
        await ring.dispose()


DATA_KEY = DataKey([new_key()])


def _keyring(url: str) -> Keyring:
    return open_keyring(keyring_url(url), DATA_KEY)


async def _median_ms(
    url: str, work: Callable[[AsyncSession, CheckIn], Awaitable[object]]
) -> float:
    """Median milliseconds of `work` on the person's newest check-in, never committed."""
    engine, ring = create_engine(url), _keyring(url)
    sessions = session_factory(engine, ring)
    times = []
    try:
        for _ in range(RUNS):
            async with sessions() as session:
                latest = await session.scalar(
                    select(CheckIn).where(CheckIn.user_id == 1).order_by(CheckIn.id.desc())
                )
                assert latest is not None
                await open_check_ins(session, [latest])
                started = time.perf_counter()
                await work(session, latest)
                times.append((time.perf_counter() - started) * 1000)
                await session.rollback()
    finally:
        await engine.dispose()
        await ring.dispose()
    return statistics.median(times)


async def _welcome_read(session: AsyncSession, latest: CheckIn) -> object:
    return await before(session, check_in=latest, count_up_to=COUNT_ENOUGH)


async def _name_step(session: AsyncSession, latest: CheckIn) -> object:
    assert await name_win(session, check_in=latest, kind="no")
    return await add_milestones(session, user_id=1, keys=["win:no"], now=NOW)


async def _whole_history(session: AsyncSession, latest: CheckIn) -> object:
    return await history(session, user_id=latest.user_id)


async def main(urls: list[str]) -> None:
    for url in urls:
        backend = url.split("+", 1)[0].split(":", 1)[0]
        table = Table(
            f"One tap's database work by history size ({backend}, median ms)",
            ["check-ins", "welcome read", "naming a step", "whole history"],
        )
        for size in SIZES:
            await _fill(url, size)
            table.add(
                size,
                await _median_ms(url, _welcome_read),
                await _median_ms(url, _name_step),
                await _median_ms(url, _whole_history),
            )
        table.print()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        targets = [sqlite_url(Path(folder) / "wins.db"), *sys.argv[1:]]
        asyncio.run(main(targets))
