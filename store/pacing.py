"""Data access for gentle pacing: the count of a ritual's prompts left without any tap, one
after another, and when Attune last asked about its pace (scheduler.pacing decides when)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Base, Subscription

_SUBS = Base.metadata.tables["subscriptions"]
_ASKED = (
    update(_SUBS)
    .where(_SUBS.c.id == bindparam("sub_id"))
    .values(pacing_asked_at=bindparam("asked_at"))
)


# Built once (ids as one expanding parameter): a claim may count hundreds at a time.
_UNTOUCHED = (
    update(Subscription)
    .where(Subscription.id.in_(bindparam("ids", expanding=True)))
    .values(unanswered=Subscription.unanswered + 1)
    .execution_options(synchronize_session=False)
)


async def count_untouched(session: AsyncSession, *, subscription_ids: Iterable[int]) -> None:
    """One more prompt left untouched for each of these subscriptions.

    Callers pass what an UPDATE ... RETURNING just closed, so each prompt counts once even
    when replicas expire prompts at the same moment; a ritual has at most one open prompt
    (a new one retires the one before), so an id comes at most once.
    """
    ids = sorted(set(subscription_ids))
    if ids:
        await session.execute(_UNTOUCHED, {"ids": ids})


def touched(sub: Subscription) -> None:
    """The person answered, skipped or put off a prompt of this ritual, or chose its pace:
    counting starts from nothing again."""
    sub.unanswered = 0


async def asked(session: AsyncSession, *, offers: Mapping[int, datetime]) -> None:
    """Attune asked about these subscriptions' pace (id -> the due time it asked instead of)."""
    if offers:
        rows = [{"sub_id": sub_id, "asked_at": at} for sub_id, at in offers.items()]
        await session.execute(_ASKED, rows)
