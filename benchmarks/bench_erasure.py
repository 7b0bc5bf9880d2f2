"""What /delete costs beyond its DELETE, and what /import costs, as the data grows.

    python benchmarks/bench_erasure.py [postgresql+asyncpg://…/a_bench_database]

scrub: databases of 1,000, 10,000 and 30,000 people, each with 100 check-ins, 100 prompts
and 20 notes (so up to 3 million rows in a table). Three people are erased one after the
other (store.personal_data.erase), each followed by the scrub (store.scrub.scrub: SQLite's
TRUNCATE checkpoint, or PostgreSQL's VACUUM of the people's tables), as /delete and the job
after it run it (scheduler.scrubbing: tried again while a writer is at work). Meanwhile another
connection writes as a tap would (a check-in added and removed, one transaction each):
its slowest write while the scrub runs shows whether the scrub holds the bot up, next to its
median and slowest with nothing else running. Median of the three scrubs.

import: an /export file (store.personal_data.collect, as /export writes it) of a person with
1,000, 10,000 and 50,000 check-ins (a note for one in ten, at most 5,000), read back
(bot.export_reader.read_export) and merged into an empty account (store.restore), then merged
once more, when everything is there already.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench_common import NOW, Table
from bench_data import People, build, keyring_url, reset, sqlite_url
from sqlalchemy import delete, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.export_reader import read_export
from scheduler.scrubbing import Scrubber
from store import sealing
from store.crypto import DataKey, new_key
from store.db import create_engine, session_factory
from store.keyring import open_keyring
from store.models import CheckIn, Note, User
from store.person_keys import key_to_seal, prepare
from store.personal_data import collect, erase
from store.restore import restore

PEOPLE = (1_000, 10_000, 30_000)
EACH = {"check_ins": 100, "prompts": 100, "notes": 20}
ERASED = 3
HISTORIES = (1_000, 10_000, 50_000)


def _series(dialect: str) -> tuple[str, str]:
    """A row source of n = 0 .. :count - 1 (a prefix and a FROM), and the moment n minutes
    before :now, on either database."""
    if dialect == "sqlite":
        return (
            "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq"
            " WHERE n + 1 < :count) ",
            "seq",
        )
    return "", "generate_series(0, CAST(:count AS int) - 1) AS n"


def _minutes_before(dialect: str, minutes: str) -> str:
    if dialect == "sqlite":
        shifted = f"strftime('%Y-%m-%d %H:%M:%S', :now, '-' || ({minutes}) || ' minutes')"
        return f"{shifted} || '.000000'"
    return f"CAST(:now AS timestamp) - make_interval(mins => {minutes})"


def _blob(dialect: str, size: int) -> str:
    """SQL for `size` random-looking bytes."""
    if dialect == "sqlite":
        return f"randomblob({size})"
    return f"decode(repeat(md5(n::text), {size // 16 + 1}), 'hex')"


async def _fill(url: str, people: int) -> None:
    """`people` people with EACH rows of every kind (subscription n belongs to person n)."""
    await build(url, People(users=people, due_every=0))
    engine = create_engine(url)
    dialect = engine.dialect.name
    prefix, source = _series(dialect)
    now = NOW.replace(tzinfo=None)
    stamp = now.isoformat(sep=" ") if dialect == "sqlite" else now
    rows = {
        # Sealed values as long as real ones; what they hold does not matter to erasing.
        "check_ins": (
            "(user_id, sealed, practiced_at, created_at, updated_at)",
            f"1 + n / {EACH['check_ins']}, {_blob(dialect, 36)}, {{at}}, {{at}}, {{at}}",
        ),
        "prompts": (
            "(subscription_id, due_at, claimed_at, variant, state, snoozes)",
            f"1 + n / {EACH['prompts']}, {{at}}, {{at}}, 0, 'answered', 0",
        ),
        "notes": (
            "(user_id, sealed_body, created_at)",
            f"1 + n / {EACH['notes']}, {_blob(dialect, 170)}, {{at}}",
        ),
    }
    try:
        async with engine.begin() as conn:
            for table, (columns, values) in rows.items():
                at = _minutes_before(dialect, f"n % {EACH[table]} * 1440 + n / {EACH[table]} % 60")
                await conn.execute(
                    text(
                        f"{prefix}INSERT INTO {table} {columns}"
                        f" SELECT {values.format(at=at)} FROM {source}"
                    ),
                    {"count": people * EACH[table], "now": stamp},
                )
        if dialect != "sqlite":
            async with engine.connect() as conn:
                auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await auto.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum would soon do
    finally:
        await engine.dispose()


async def _writes(engine: AsyncEngine, until: asyncio.Event | None, count: int = 0) -> list[float]:
    """A tap's writes, one transaction each, until `until` is set (or `count` of them);
    each one's milliseconds."""
    times: list[float] = []
    while (until is not None and not until.is_set()) or len(times) < count:
        started = time.perf_counter()
        async with engine.begin() as conn:
            added = await conn.execute(
                insert(CheckIn)
                .values(user_id=2, ritual_key="breath", rating=3, practiced_at=NOW,
                        created_at=NOW, updated_at=NOW)
                .returning(CheckIn.id)
            )  # fmt: skip
            await conn.execute(delete(CheckIn).where(CheckIn.id == added.scalar_one()))
        times.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.005)
    return times


async def _scrub_row(url: str, people: int) -> tuple[object, ...]:
    engine, writer = create_engine(url), create_engine(url)
    scrubber = Scrubber(engine)
    try:
        await scrubber.run()  # the scrub due at every start
        alone = await _writes(writer, None, count=200)
        erased, scrubbed, worst = [], [], 0.0
        for person in range(10, 10 + ERASED):
            started = time.perf_counter()
            async with session_factory(engine)() as session, session.begin():
                await erase(session, user_id=person)
            erased.append((time.perf_counter() - started) * 1000)
            done = asyncio.Event()
            writing = asyncio.create_task(_writes(writer, done))
            await asyncio.sleep(0.05)  # the writer is at work when the scrub begins
            started = time.perf_counter()
            # As /delete does: tried for up to 3 s on SQLite, then the job's run (VACUUM on
            # PostgreSQL; nothing left to do on SQLite once the first tries succeeded).
            assert await scrubber.after_erasure(), "a writer held the log for 3 s"
            await scrubber.run()
            assert not scrubber.due
            scrubbed.append((time.perf_counter() - started) * 1000)
            done.set()
            worst = max(worst, *await writing)
    finally:
        await engine.dispose()
        await writer.dispose()
    return (
        people,
        people * EACH["check_ins"],
        statistics.median(erased),
        statistics.median(scrubbed),
        statistics.median(alone),
        max(alone),
        worst,
    )


async def _history(url: str, size: int, data_key: DataKey) -> bytes:
    """A person with `size` check-ins, a note for one in ten; their /export file."""
    await reset(url)
    engine, ring = create_engine(url), open_keyring(keyring_url(url), data_key)
    try:
        await prepare(engine, ring)
        async with session_factory(engine, ring)() as session, session.begin():
            await session.execute(
                insert(User), [{"id": n, "telegram_id": n, "chat_id": n, "created_at": NOW,
                                "timezone": "Europe/Berlin"} for n in (1, 2)]
            )  # fmt: skip
            key = await key_to_seal(session, user_id=1)
            moments = [NOW - timedelta(hours=n) for n in range(size)]
            await session.execute(
                insert(CheckIn),
                [{"user_id": 1, "sealed": key.seal_check_in("breath", 1 + n % 5),
                  "practiced_at": at, "created_at": at, "updated_at": at}
                 for n, at in enumerate(moments)],
            )  # fmt: skip
            notes = moments[: min(size // 10, 5_000)]
            await session.execute(
                insert(Note),
                [{"user_id": 1, "created_at": at,
                  "sealed_body": key.seal_text(f"Words {n} " * 20, sealing.NOTE_BODY)}
                 for n, at in enumerate(notes)],
            )  # fmt: skip
        async with session_factory(engine, ring)() as session:
            user = await session.get(User, 1)
            assert user is not None
            data = await collect(session, user=user)
    finally:
        await engine.dispose()
        await ring.dispose()
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


async def _import_row(url: str, size: int) -> tuple[object, ...]:
    data_key = DataKey([new_key()])
    raw = await _history(url, size, data_key)
    started = time.perf_counter()
    export = read_export(raw, now=NOW, notes_in_all=5_000)
    read_ms = (time.perf_counter() - started) * 1000
    engine, ring = create_engine(url), open_keyring(keyring_url(url), data_key)
    merged = []
    try:
        for _ in range(2):
            started = time.perf_counter()
            async with session_factory(engine, ring)() as session, session.begin():
                await restore(session, user_id=2, history=export.history, notes_in_all=5_000)
            merged.append((time.perf_counter() - started) * 1000)
    finally:
        await engine.dispose()
        await ring.dispose()
    return size, len(export.history.notes), len(raw) / 1e6, read_ms, merged[0], merged[1]


async def main(urls: list[str]) -> None:
    """Print both sections' tables, SQLite first."""
    scrubs = Table(
        "Erasing one person, then the scrub, while a tap writes (median of 3, ms)",
        ["database", "people", "check-ins", "erase", "scrub", "write p50 alone",
         "write max alone", "write max during scrub"],
    )  # fmt: skip
    imports = Table(
        "/import: reading the file and merging it (ms)",
        ["database", "check-ins", "notes", "file MB", "read", "merge (new)", "merge (again)"],
    )
    for url in urls:
        backend = url.split("+", 1)[0].split(":", 1)[0]
        for people in PEOPLE:
            await _fill(url, people)
            scrubs.add(backend, *await _scrub_row(url, people))
            print("measured:", *scrubs.rows[-1], file=sys.stderr, flush=True)
        for size in HISTORIES:
            imports.add(backend, *await _import_row(url, size))
            print("measured:", *imports.rows[-1], file=sys.stderr, flush=True)
    scrubs.notes.append("scrub: SQLite's TRUNCATE checkpoint, PostgreSQL's VACUUM of 6 tables")
    scrubs.print()
    imports.print()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        targets = [sqlite_url(Path(folder) / "erasure.db"), *sys.argv[1:]]
        asyncio.run(main(targets))
