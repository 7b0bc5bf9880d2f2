"""Section due-scan: find and claim the 1,000 due subscriptions among 10k, 100k and 1M.

"query" is `store.prompts.due_rows` alone (the due rows with their people's columns,
locked, then rolled back). "claim" is the dispatcher's real claim
(`scheduler.claim.claim_batch` in its own transaction, repeated as `Dispatcher.tick`
repeats it until a batch comes back short): lock the due rows, insert their prompt rows,
advance `next_due_at`, commit. Each figure is the median of several runs, with the
claimed rows put back between runs; "CPU" is this process's (with SQLite, the database's
own work too), and the notes split the largest claim into the statements' time in the
driver and the rest (Python's work, and the commit).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bench_common import NOW, Table, median
from bench_data import People, build
from sqlalchemy import delete, event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from scheduler.claim import claim_batch
from store.db import create_engine, session_factory
from store.models import Prompt, Subscription
from store.prompts import due_rows

DUE = 1_000
INDEX = "ix_subscriptions_next_due_at"


async def run(backends: Sequence[tuple[str, str]], *, quick: bool) -> Table:
    """Build each size on each backend and time the due query and the claim."""
    sizes = (10_000, 100_000) if quick else (10_000, 100_000, 1_000_000)
    reps = 3 if quick else 5
    table = Table(
        f"due-scan: find and claim {DUE:,} due subscriptions (median of {reps})",
        ["backend", "subscriptions", "build s", "query ms", "claim ms 5x200", "CPU ms 5x200",
         "claim ms 1x1000", "CPU ms 1x1000", "index used"],
    )  # fmt: skip
    notes: list[str] = []
    for backend, url in backends:
        for size in sizes:
            # Two rituals per person; every (size / 1,000)-th subscription is due now.
            built = await build(url, People(users=size // 2, per_user=2, due_every=size // DUE))
            engine = create_engine(url)
            statements = _Statements(engine)
            try:
                sessions = session_factory(engine)
                query = median([await _time_query(sessions) for _ in range(reps)])
                claims: list[float] = []
                for batch in (200, 1000):
                    runs = []
                    statements.spent.clear()
                    for _ in range(reps):
                        statements.active = True
                        runs.append(await _time_claim(sessions, batch))
                        statements.active = False
                        await _unclaim(sessions)
                    claims += [median([wall for wall, _ in runs]), median([c for _, c in runs])]
                plan = await _due_query_plan(engine, sessions)
            finally:
                statements.remove()
                await engine.dispose()
            used = "yes" if any(INDEX in line for line in plan) else "NO"
            table.add(backend, size, built, query, *claims, used)
        notes.append(f"{backend}, {size:,}, claim 1x1000: {statements.split(claims[2], reps)}")
        notes.append(
            f"{backend}, {size:,}: at 1,000 prompts/s (batches of 200) claiming costs"
            f" {claims[1]:.0f} ms of CPU a second, {claims[1] / 10:.1f}% of one core"
        )
        notes += [f"{backend}, {size:,} subscriptions, plan of the due query:"]
        notes += [f"  {line}" for line in plan]
    table.notes += notes
    table.notes.append("target: claim <= 50 ms at 1M, flat with table size")
    return table


class _Statements:
    """Time spent in the driver (cursor execute to its return) per kind of statement, by
    the claims run while `active`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.sync_engine
        self._started = 0.0
        self.active = False
        self.spent: dict[str, list[float]] = {}
        event.listen(self._engine, "before_cursor_execute", self._before)
        event.listen(self._engine, "after_cursor_execute", self._after)

    def _before(self, *_: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.active:
            words = statement.split()
            if words[0] == "SELECT":
                table = words[words.index("FROM") + 1]
            else:  # UPDATE t, INSERT INTO t
                table = words[1] if words[0] == "UPDATE" else words[2]
            kind = f"{words[0].lower()} {table}"
            self.spent.setdefault(kind, []).append((time.perf_counter() - self._started) * 1e3)

    def split(self, claim_ms: float, runs: int) -> str:
        """The statements' share of a median claim, and the rest."""
        per_run = {kind: sum(times) / runs for kind, times in self.spent.items()}
        inside = sum(per_run.values())
        parts = ", ".join(f"{kind} {ms:.1f}" for kind, ms in sorted(per_run.items()))
        return f"statements {inside:.1f} ms ({parts}); the rest {claim_ms - inside:.1f} ms"

    def remove(self) -> None:
        """Stop timing."""
        event.remove(self._engine, "before_cursor_execute", self._before)
        event.remove(self._engine, "after_cursor_execute", self._after)


async def _time_query(sessions: async_sessionmaker[AsyncSession]) -> float:
    async with sessions() as session:
        started = time.perf_counter()
        async with session.begin():
            found = await due_rows(session, now=NOW, limit=DUE)
            assert len(found) == DUE, len(found)
            await session.rollback()
        return (time.perf_counter() - started) * 1e3


async def _time_claim(
    sessions: async_sessionmaker[AsyncSession], batch_size: int
) -> tuple[float, float]:
    """Claim every due prompt in batches of `batch_size`, each its own transaction; the
    wall time and this process's CPU time it took, in ms."""
    claimed = expired = 0
    full = True
    cpu = time.process_time()
    started = time.perf_counter()
    while full:
        async with sessions() as session, session.begin():
            batch = await claim_batch(
                session,
                now=NOW,
                claimed_at=NOW,
                grace=timedelta(hours=1),
                lease=timedelta(minutes=2),
                limit=batch_size,
            )
        claimed, expired, full = claimed + len(batch.prompts), expired + batch.expired, batch.full
    elapsed = (time.perf_counter() - started) * 1e3
    cpu = (time.process_time() - cpu) * 1e3
    assert claimed == DUE and not expired, (claimed, expired)
    return elapsed, cpu


async def _unclaim(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Make the claimed subscriptions due again and forget their prompts."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(Subscription)
            .where(Subscription.id.in_(select(Prompt.subscription_id)))
            .values(next_due_at=NOW, prompts_claimed=0)
        )
        await session.execute(delete(Prompt))


async def _due_query_plan(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> list[str]:
    """The database's plan for the exact statement `due_rows` sends."""
    captured: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM subscriptions" in statement and not captured:
            captured.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", grab)
    try:
        async with sessions() as session, session.begin():
            await due_rows(session, now=NOW, limit=DUE)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", grab)
    statement, parameters = captured[0]
    sqlite = engine.dialect.name == "sqlite"
    explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, COSTS OFF) "
    async with engine.connect() as conn:
        rows = (await conn.exec_driver_sql(explain + statement, parameters)).all()
        await conn.rollback()  # EXPLAIN ANALYZE took the row locks
    return [str(row[3]) if sqlite else str(row[0]) for row in rows]
