"""A claim tells a full batch from the last one by one row of lookahead, so a tick ends
without one more claim that finds nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from scheduler.claim import claim_batch
from scheduler.dispatch import Dispatcher
from store.db import session_factory
from tests.scheduler.people import NOW, RecordingSender, add_people, states

GRACE, LEASE = timedelta(hours=1), timedelta(minutes=2)


@pytest.mark.parametrize(("due", "full"), [(10, False), (11, True)])
async def test_a_batch_is_full_only_when_more_is_due(
    engine: AsyncEngine, due: int, full: bool
) -> None:
    await add_people(engine, due)
    async with session_factory(engine)() as session, session.begin():
        batch = await claim_batch(
            session, now=NOW, claimed_at=NOW, grace=GRACE, lease=LEASE, limit=10
        )
    assert (len(batch.prompts), batch.full) == (10, full)


async def test_a_tick_claims_as_many_times_as_it_takes_and_no_more(engine: AsyncEngine) -> None:
    await add_people(engine, 50)
    claims = 0

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        nonlocal claims
        claims += statement.startswith("SELECT subscriptions.id")  # the due query

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        report = await Dispatcher(
            session_factory(engine), RecordingSender(), grace=GRACE, batch_size=10
        ).tick(NOW)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    # 50 due in batches of 10: five claims, the fifth knowing it took the last.
    assert report.sent == 50 and claims == 5
    assert await states(engine) == {"sent": 50}
