"""A prototype of the dispatcher changes the benchmark recommends; the app does not use it.

`ProposedDispatcher` is `scheduler.dispatch.Dispatcher` with two changes, so that their
effect is measured side by side with the real one (sections due-scan, pipeline, limit);
delivery and recording (group commit) are the real dispatcher's own:

1. The claim works on plain rows (SQLAlchemy Core), not ORM objects: one SELECT of the
   due rows and their people's columns (same rows, order and locks as
   `due_subscriptions`), one executemany UPDATE of `next_due_at`, and one multi-row
   `INSERT … RETURNING` of the prompt rows. Through the ORM, SQLite gets one INSERT per
   prompt (SQLAlchemy cannot batch an ordered RETURNING there: "batch not supported").
   The next due time is memoised per (local time, weekdays, zone, after) when no pause or
   block is involved: in a rush, the people due at one instant mostly share a rule.
2. Claiming and sending overlap: `concurrency` workers take work from a bounded queue
   that the claim loop keeps filled (about one batch ahead), instead of each batch being
   sent to its last prompt before the next is claimed. A unit of work is one chat's
   prompts in a batch, sent one after the other, so a person with five rituals at 22:00
   holds one worker while the per-chat limit makes them wait, not five.

Resent (snoozed or abandoned) prompts are claimed exactly as the real dispatcher does.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.dispatch import ANSWER_WINDOW, Dispatcher, DispatchReport
from scheduler.planning import is_paused, next_due_for, time_from_text, weekdays_from_text
from scheduler.schedule import next_due
from scheduler.zones import resolve_zone
from store.models import Base, PromptState
from store.prompts import (
    ClaimedPrompt,
    claimed,
    expire_superseded,
    expire_unanswered,
    prompts_to_resend,
)

log = logging.getLogger(__name__)

_TABLES = Base.metadata.tables
_SUBS, _USERS, _PROMPTS = _TABLES["subscriptions"], _TABLES["users"], _TABLES["prompts"]
_DUE = (
    select(
        _SUBS.c.id, _SUBS.c.ritual_key, _SUBS.c.local_time, _SUBS.c.weekdays, _SUBS.c.active,
        _SUBS.c.paused_until, _SUBS.c.prompts_claimed, _SUBS.c.next_due_at,
        _USERS.c.id.label("user_id"), _USERS.c.chat_id, _USERS.c.locale, _USERS.c.timezone,
        _USERS.c.paused_until.label("user_paused_until"), _USERS.c.blocked_at,
    )
    .join(_USERS, _USERS.c.id == _SUBS.c.user_id)
    .order_by(_SUBS.c.next_due_at)
    .with_for_update(skip_locked=True, of=_SUBS)
)  # fmt: skip
_ADVANCE = (
    update(_SUBS)
    .where(_SUBS.c.id == bindparam("sid"))
    .values(next_due_at=bindparam("due"), prompts_claimed=bindparam("claimed"))
)
_INSERT = insert(_PROMPTS).returning(_PROMPTS.c.subscription_id, _PROMPTS.c.id)


async def due_rows(session: AsyncSession, *, now: datetime, limit: int) -> list[Row[Any]]:
    """`due_subscriptions` as plain rows: the same rows, order and locks."""
    result = await session.execute(_DUE.where(_SUBS.c.next_due_at <= now).limit(limit))
    return list(result.all())


@lru_cache(maxsize=4096)
def _next_due(local_time: str, weekdays: str, zone: str, after: datetime) -> datetime:
    return next_due(
        local_time=time_from_text(local_time),
        weekdays=weekdays_from_text(weekdays),
        zone=resolve_zone(zone),
        after=after,
    )


def following(row: Row[Any], after: datetime) -> datetime | None:
    """`next_due_for` for a due row, memoised when no pause or block is involved."""
    paused = is_paused(row.user_paused_until, after) or is_paused(row.paused_until, after)
    if row.active and row.timezone is not None and row.blocked_at is None and not paused:
        return _next_due(row.local_time, row.weekdays, row.timezone, after)
    sub = SimpleNamespace(
        active=row.active,
        paused_until=row.paused_until,
        local_time=row.local_time,
        weekdays=row.weekdays,
    )
    user = SimpleNamespace(
        timezone=row.timezone, blocked_at=row.blocked_at, paused_until=row.user_paused_until
    )
    return next_due_for(sub, user, after)  # type: ignore[arg-type]


class ProposedDispatcher(Dispatcher):
    """The real dispatcher with a Core claim that overlaps with sending."""

    def __init__(self, *args: Any, concurrency: int = 32, **kwargs: Any) -> None:
        super().__init__(*args, concurrency=concurrency, **kwargs)
        self._concurrency = concurrency

    async def tick(self, now: datetime) -> DispatchReport:
        """Drain everything due at `now`: claim batches while workers send."""
        report = DispatchReport()
        async with self._sessions() as session, session.begin():
            await expire_unanswered(session, sent_before=now - ANSWER_WINDOW)
        work: asyncio.Queue[list[ClaimedPrompt] | None] = asyncio.Queue(self._batch_size)
        workers = [
            asyncio.create_task(self._work(work, now, report)) for _ in range(self._concurrency)
        ]
        try:
            full = True
            while full:
                batch, full = await self._claim(now, report)
                by_chat: dict[int, list[ClaimedPrompt]] = {}
                for item in batch:
                    by_chat.setdefault(item.chat_id, []).append(item)
                for items in by_chat.values():
                    await work.put(items)  # waits while about a batch is queued
        finally:
            for _ in workers:
                await work.put(None)
            await asyncio.gather(*workers)
        return report

    async def _work(
        self,
        work: asyncio.Queue[list[ClaimedPrompt] | None],
        now: datetime,
        report: DispatchReport,
    ) -> None:
        """Send units of work until told to stop; a chat's prompts one after the other."""
        while (items := await work.get()) is not None:
            for item in items:
                await self._deliver(item, now, report)

    async def _claim(
        self, now: datetime, report: DispatchReport
    ) -> tuple[list[ClaimedPrompt], bool]:
        batch: list[ClaimedPrompt] = []
        async with self._sessions() as session, session.begin():
            again = await prompts_to_resend(
                session, now=now, lease_expired=now - self._lease, limit=self._batch_size
            )
            for prompt in again:  # as the real dispatcher: rare, and few
                sub, user = prompt.subscription, prompt.subscription.user
                prompt.snoozed_until = None
                if now - prompt.due_at > self._grace and prompt.state == PromptState.CLAIMED:
                    prompt.state = PromptState.EXPIRED
                    report.expired += 1
                    continue
                prompt.state, prompt.claimed_at = PromptState.CLAIMED, now
                batch.append(claimed(prompt, sub, user))

            due = await due_rows(session, now=now, limit=self._batch_size - len(again))
            await expire_superseded(session, subscription_ids=[row.id for row in due])
            if due:
                batch += await self._claim_rows(session, due, now, report)
        return batch, len(again) + len(due) >= self._batch_size

    async def _claim_rows(
        self, session: AsyncSession, due: list[Row[Any]], now: datetime, report: DispatchReport
    ) -> list[ClaimedPrompt]:
        """Insert the prompt rows and move every subscription on, in two statements."""
        prompts, moves, fresh = [], [], []
        for row in due:
            late = now - row.next_due_at > self._grace
            state = PromptState.EXPIRED if late else PromptState.CLAIMED
            prompts.append(
                {"subscription_id": row.id, "due_at": row.next_due_at, "claimed_at": now,
                 "variant": row.prompts_claimed, "state": state, "snoozes": 0}
            )  # fmt: skip
            moves.append(
                {"sid": row.id, "due": following(row, max(now, row.next_due_at)),
                 "claimed": row.prompts_claimed + (0 if late else 1)}
            )  # fmt: skip
            if late:
                report.expired += 1
            else:
                fresh.append(row)
        await session.execute(_ADVANCE, moves)
        ids = dict((await session.execute(_INSERT, prompts)).tuples().all())
        return [
            ClaimedPrompt(
                prompt_id=ids[row.id],
                user_id=row.user_id,
                chat_id=row.chat_id,
                locale=row.locale,
                ritual_key=row.ritual_key,
                variant=row.prompts_claimed,
                can_snooze=True,
                due_at=row.next_due_at,
                timezone=row.timezone,
            )
            for row in fresh
        ]
