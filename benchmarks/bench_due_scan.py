"""Section due-scan: find and claim the 1,000 due subscriptions among 10k, 100k and 1M.

"query" is `store.prompts.due_rows` alone (the due rows with their people's columns,
locked, then rolled back). "claim" is the dispatcher's real claim
(`scheduler.claim.claim_batch` in its own transaction, repeated as `Dispatcher.tick`
repeats it until a batch comes back short): lock the due rows, insert their prompt rows,
advance `next_due_at`, commit. Each figure is the median of several runs, with the
claimed rows put back between runs.
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
        ["backend", "subscriptions", "build s", "query ms", "claim ms 5x200",
         "claim ms 1x1000", "index used"],
    )  # fmt: skip
    plans: list[str] = []
    for backend, url in backends:
        for size in sizes:
            # Two rituals per person; every (size / 1,000)-th subscription is due now.
            built = await build(url, People(users=size // 2, per_user=2, due_every=size // DUE))
            engine = create_engine(url)
            try:
                sessions = session_factory(engine)
                query = median([await _time_query(sessions) for _ in range(reps)])
                claims = []
                for batch in (200, 1000):
                    runs = []
                    for _ in range(reps):
                        runs.append(await _time_claim(sessions, batch))
                        await _unclaim(sessions)
                    claims.append(median(runs))
                plan = await _due_query_plan(engine, sessions)
            finally:
                await engine.dispose()
            used = "yes" if any(INDEX in line for line in plan) else "NO"
            table.add(backend, size, built, query, *claims, used)
        plans += [f"{backend}, {size:,} subscriptions, plan of the due query:"]
        plans += [f"  {line}" for line in plan]
    table.notes += plans
    table.notes.append("target: claim <= 50 ms at 1M, flat with table size")
    return table


async def _time_query(sessions: async_sessionmaker[AsyncSession]) -> float:
    async with sessions() as session:
        started = time.perf_counter()
        async with session.begin():
            found = await due_rows(session, now=NOW, limit=DUE)
            assert len(found) == DUE, len(found)
            await session.rollback()
        return (time.perf_counter() - started) * 1e3


async def _time_claim(sessions: async_sessionmaker[AsyncSession], batch_size: int) -> float:
    """Claim every due prompt in batches of `batch_size`, each its own transaction."""
    claimed = expired = 0
    full = True
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
    assert claimed == DUE and not expired, (claimed, expired)
    return elapsed


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
