"""What sealing with each person's own key costs a rating tap and /progress, as history grows;
and what the keyring's own work costs.

    python benchmarks/bench_keys.py [postgresql+asyncpg://…]      (make bench runs it)

Without an argument PostgreSQL is included when reachable where `make bench` finds it.

For a person with 0, 3,000 and 30,000 check-ins (among 20 other people with 500 each), median
of many runs, each inside a transaction that is rolled back:

- a rating tap's database work, as the rate handler does it inside its transaction
  (`rate_prompt`, the care check, `after_check_in`'s milestones: it still reads the whole
  history), with the person's key cached (as after any tap in the last 10 minutes), and
  with the cache empty (the keyring read and the unwrap come on top);
- /progress's words: `history()` and `progress_message()` (the picture is drawn off the
  event loop, from the same history, and is timed by benchmarks/chart.py).

"sealed" is the code as it runs; "plain" is the same code path with sealing and opening
replaced by the identity (the rows hold the plain bytes), so the difference is what AES-GCM
and its bookkeeping cost. Wall milliseconds and this process's CPU milliseconds (SQLite's
work runs in this process; PostgreSQL's server CPU is not counted).

The keyring: making a person's key (committed first), finding one not cached (read and
unwrap), and destroying one (delete, tombstone, then SQLite's WAL checkpoint or PostgreSQL's
VACUUM FULL of the table) with 1,000 and 100,000 keys in the keyring.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import dispatch
from bench_common import NOW, Table
from bench_data import keyring_url, reset, sqlite_url
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.handlers.milestones import after_check_in, hard_night
from messages.consent import CONSENT_VERSION
from progress.report import progress_message
from scheduler.zones import resolve_zone
from store import sealing
from store.check_ins import rate_prompt
from store.crypto import DataKey, new_key
from store.db import create_engine, session_factory
from store.keyring import Keyring, new_id, open_keyring
from store.keyring_models import PersonKeyRow
from store.models import CheckIn, Prompt, Subscription, User
from store.person_keys import key_to_seal, prepare
from store.progress import history
from store.prompts import get_prompt
from store.sealing import PersonKey, new_secret

SIZES = (0, 3_000, 30_000)
OTHERS, OTHERS_EACH = 20, 500
RITUALS = ("body_scan", "breath", "kind_words", "small_wins")
BERLIN = resolve_zone("Europe/Berlin")
KEYRING_SIZES = (1_000, 100_000)


@contextmanager
def plain() -> Iterator[None]:
    """Sealing and opening as the identity: the same code path, without the cryptography."""
    seal, open_ = PersonKey.seal, PersonKey.open
    PersonKey.seal = lambda self, data, where: data  # type: ignore[method-assign]
    PersonKey.open = lambda self, data, where: data  # type: ignore[method-assign]
    try:
        yield
    finally:
        PersonKey.seal, PersonKey.open = seal, open_  # type: ignore[method-assign]


async def _fill(url: str, size: int, data_key: DataKey) -> tuple[AsyncEngine, Keyring]:
    """A fresh database and keyring: the person (user 1, Berlin) with `size` check-ins
    over the last years and a prompt due now, and the others."""
    await reset(url)
    engine, ring = create_engine(url), open_keyring(keyring_url(url), data_key)
    await prepare(engine, ring)
    async with session_factory(engine, ring)() as session, session.begin():
        people = [
            {
                "id": n,
                "telegram_id": n,
                "chat_id": n,
                "timezone": "Europe/Berlin",
                "consented_at": NOW - timedelta(days=900),
                "consent_version": CONSENT_VERSION,
                "created_at": NOW - timedelta(days=900),
            }
            for n in range(1, OTHERS + 2)
        ]
        await session.execute(insert(User), people)
        sub = Subscription(
            user_id=1, ritual_key="body_scan", local_time="22:00", weekdays="0123456",
            created_at=NOW - timedelta(days=900),
        )  # fmt: skip
        session.add(sub)
        await session.flush()
        session.add(Prompt(subscription_id=sub.id, due_at=NOW, claimed_at=NOW, state="sent"))
        rows = []
        for user, count in [(1, size)] + [(n, OTHERS_EACH) for n in range(2, OTHERS + 2)]:
            key = await key_to_seal(session, user_id=user)
            for i in range(count):
                at = NOW - timedelta(hours=2 * (count - i) + 1)
                ritual = RITUALS[i % len(RITUALS)]
                sealed = key.seal_check_in(ritual, 1 + i % 5)
                rows.append(
                    {
                        "user_id": user,
                        "sealed": sealed,
                        "practiced_at": at,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
        for start in range(0, len(rows), 5_000):
            await session.execute(insert(CheckIn), rows[start : start + 5_000])
    return engine, ring


async def _timed(
    engine: AsyncEngine,
    ring: Keyring,
    work: Callable[[AsyncSession], Awaitable[object]],
    runs: int,
    *,
    cold: bool = False,
) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `work`, each run rolled back."""
    sessions = session_factory(engine, ring)
    walls, cpus = [], []
    for _ in range(runs):
        if cold:
            ring.forget_cached()  # as after ten quiet minutes, or on another replica
        async with sessions() as session:
            wall, cpu = time.perf_counter(), time.process_time()
            await work(session)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            await session.rollback()
    return statistics.median(walls), statistics.median(cpus)


async def _tap(session: AsyncSession) -> object:
    """What the rate handler does inside its transaction for a first rating."""
    prompt = await get_prompt(session, prompt_id=1)
    assert prompt is not None
    user = prompt.subscription.user
    check_in, is_new = await rate_prompt(session, prompt=prompt, user_id=1, rating=4, now=NOW)
    assert is_new
    care = await hard_night(session, check_in=check_in)
    return await after_check_in(
        session, user=user, check_in=check_in, has_note=False, now=NOW, hold=care
    )


async def _progress(session: AsyncSession) -> object:
    """/progress's words: the whole history, opened, and the text made from it."""
    entries = await history(session, user_id=1)
    return progress_message(entries, BERLIN, NOW, "en")


def _runs(size: int) -> int:
    return 200 if size < 10_000 else 30


async def _per_size(url: str, table: Table) -> None:
    data_key = DataKey([new_key()])
    for size in SIZES:
        figures: list[Any] = [size]
        for mode in ("plain", "sealed"):
            with plain() if mode == "plain" else _nothing():
                engine, ring = await _fill(url, size, data_key)
                try:
                    tap = await _timed(engine, ring, _tap, _runs(size))
                    cold = await _timed(engine, ring, _tap, _runs(size), cold=True)
                    progress = await _timed(engine, ring, _progress, _runs(size))
                finally:
                    await engine.dispose()
                    await ring.dispose()
            figures += [*tap, cold[0], *progress]
        table.add(*figures)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


async def _keyring_work(url: str, table: Table) -> None:
    data_key = DataKey([new_key()])
    for count in KEYRING_SIZES:
        await reset(url)
        ring = open_keyring(keyring_url(url), data_key)
        await ring.prepare()
        wrapped = data_key.encrypt(new_secret())  # the same token: only the rows' size counts
        async with ring.engine.begin() as conn:
            rows = [{"key_id": new_id(), "wrapped": wrapped, "created_at": NOW}]
            rows += [
                {"key_id": new_id(), "wrapped": wrapped, "created_at": NOW}
                for _ in range(count - 1)
            ]
            for start in range(0, count, 10_000):
                await conn.execute(insert(PersonKeyRow), rows[start : start + 10_000])
        made, found, destroyed = [], [], []
        for _ in range(20):
            started = time.perf_counter()
            key = await ring.create()
            made.append(time.perf_counter() - started)
            ring.forget_cached()
            started = time.perf_counter()
            assert await ring.find(key.key_id) is not None
            found.append(time.perf_counter() - started)
        for key_id in (await ring.key_ids())[:5]:
            started = time.perf_counter()
            await ring.destroy(key_id)
            destroyed.append(time.perf_counter() - started)
        await ring.dispose()
        table.add(
            count,
            statistics.median(made) * 1000,
            statistics.median(found) * 1000,
            statistics.median(destroyed) * 1000,
        )


async def main(urls: list[str]) -> None:
    """Print the tables for each database."""
    for url in urls:
        backend = url.split("+", 1)[0].split(":", 1)[0]
        table = Table(
            f"A rating tap and /progress, plain vs sealed, by history size ({backend}, median ms)",
            [
                "check-ins",
                "tap plain",
                "cpu",
                "cold",
                "/progress plain",
                "cpu",
                "tap sealed",
                "cpu",
                "cold",
                "/progress sealed",
                "cpu",
            ],
        )
        await _per_size(url, table)
        table.notes.append(
            "cold: the person's key not cached (read from the keyring and unwrapped first);"
            " cpu: this process's CPU ms"
        )
        table.print()
        keys = Table(
            f"The keyring's own work by its size ({backend}, median ms)",
            ["keys", "make a key", "find (not cached)", "destroy (with scrub)"],
        )
        await _keyring_work(url, keys)
        keys.print()


def sealing_per_value() -> Table:
    """One AES-GCM open of a check-in, and Fernet's, for the same bytes (µs)."""
    key = PersonKey("bench", new_secret())
    sealed = key.seal_check_in("body_scan", 4)
    fernet = DataKey([new_key()])
    token = fernet.encrypt(b"4body_scan")
    runs = 100_000
    started = time.perf_counter()
    for _ in range(runs):
        key.open(sealed, sealing.CHECK_IN)
    aes = (time.perf_counter() - started) / runs * 1e6
    started = time.perf_counter()
    for _ in range(runs // 10):
        fernet.decrypt(token)
    fern = (time.perf_counter() - started) / (runs // 10) * 1e6
    table = Table("Opening one sealed check-in (µs)", ["AES-GCM (used)", "Fernet"])
    table.add(aes, fern)
    table.notes.append(f"at 30,000 check-ins: {aes * 30:.0f} ms vs {fern * 30:.0f} ms")
    return table


async def _targets(folder: Path) -> list[str]:
    named = sys.argv[1:]
    if not named and await dispatch.reachable(dispatch.PG_URL):
        named = [dispatch.PG_URL]
    return [sqlite_url(folder / "keys.db"), *named]


if __name__ == "__main__":
    sealing_per_value().print()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(main(asyncio.run(_targets(Path(folder)))))
