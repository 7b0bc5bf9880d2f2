"""The paid-broadcast ledger: how many paid messages each UTC day has set aside.

Processes set paid messages aside in blocks before they send them, with the day's row
locked while they do (FOR UPDATE on PostgreSQL; SQLite lets one writer in at a time), so
all replicas together never pass the day's budget, and a restart does not start the day
over. What a process set aside but did not send it gives back when it stops; a crash
leaves at most its last block counted as spent.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import PaidBroadcastDay


async def set_aside(session: AsyncSession, *, day: date, want: int, limit: int) -> int:
    """Set aside up to `want` paid messages on `day`, never more than `limit` that day in
    all; returns how many were set aside (0: the day's budget is spent)."""
    insert = (
        postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    await session.execute(
        insert(PaidBroadcastDay)
        .values(day=day, messages=0)
        .on_conflict_do_nothing(index_elements=["day"])
    )
    used = await session.scalar(
        select(PaidBroadcastDay.messages).where(PaidBroadcastDay.day == day).with_for_update()
    )
    granted = max(0, min(want, limit - int(used or 0)))
    if granted:
        await session.execute(
            update(PaidBroadcastDay)
            .where(PaidBroadcastDay.day == day)
            .values(messages=PaidBroadcastDay.messages + granted)
        )
    return granted


async def give_back(session: AsyncSession, *, day: date, count: int) -> None:
    """Return `count` paid messages this process set aside on `day` but did not send."""
    await session.execute(
        update(PaidBroadcastDay)
        .where(PaidBroadcastDay.day == day)
        .values(messages=PaidBroadcastDay.messages - count)
    )


async def paid_messages(session: AsyncSession, *, since: date, until: date) -> int:
    """Paid messages set aside from `since` to `until`, both days included."""
    total = await session.scalar(
        select(func.sum(PaidBroadcastDay.messages)).where(
            PaidBroadcastDay.day >= since, PaidBroadcastDay.day <= until
        )
    )
    return int(total or 0)
