"""The dispatch tick: claim what is due, commit, then send and record each prompt.

Claiming inserts the prompt row (unique on subscription and due time) and advances
`next_due_at` in one transaction that commits before anything is sent, so two
dispatchers never send one due time twice. Each send is recorded in its own small
transaction as soon as Telegram answers. A dispatcher that dies leaves its unrecorded
prompts claimed; once the claim's lease runs out, any dispatcher sends them. So a crash
loses nothing within the grace period, and can repeat at most the sends that were in
flight at that moment (at most `concurrency`).

A weekly summary is a subscription with a reserved key (see scheduler.summary): claimed,
sent and recorded exactly like a prompt, but rendered from the person's week, as plain
text with nothing to rate.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from messages import prompt_message, ritual_text
from scheduler.planning import next_due_for
from scheduler.sender import OutgoingPrompt, Sender, Undeliverable
from scheduler.summary import WEEKLY_SUMMARY, summary_text
from store.models import PromptState
from store.prompts import (
    ClaimedPrompt,
    add_prompt,
    claimed,
    due_subscriptions,
    expire_superseded,
    expire_unanswered,
    mark_failed,
    mark_sent,
    prompts_to_resend,
)
from store.users import mark_blocked

log = logging.getLogger(__name__)

# An unanswered prompt stays open this long (or until the ritual's next prompt).
ANSWER_WINDOW = timedelta(hours=24)


@dataclass
class DispatchReport:
    """What one tick did, as counts (never who or what)."""

    sent: int = 0
    expired: int = 0
    failed: int = 0
    blocked: int = 0
    errors: list[str] = field(default_factory=list)


class Dispatcher:
    """Sends every prompt that has come due, in batches, each claimed before it is sent."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sender: Sender,
        *,
        grace: timedelta,
        lease: timedelta = timedelta(minutes=2),
        batch_size: int = 200,
        concurrency: int = 32,
    ) -> None:
        self._sessions = sessions
        self._sender = sender
        self._grace = grace
        self._lease = lease
        self._batch_size = batch_size
        self._slots = asyncio.Semaphore(concurrency)
        self._sent_log = _SentLog(sessions)

    async def tick(self, now: datetime) -> DispatchReport:
        """Drain everything due at `now`, batch by batch."""
        report = DispatchReport()
        async with self._sessions() as session, session.begin():
            await expire_unanswered(session, sent_before=now - ANSWER_WINDOW)
        while True:
            batch, full = await self._claim(now, report)
            await asyncio.gather(*(self._deliver(item, now, report) for item in batch))
            if not full:
                return report

    async def _claim(
        self, now: datetime, report: DispatchReport
    ) -> tuple[list[ClaimedPrompt], bool]:
        batch: list[ClaimedPrompt] = []
        async with self._sessions() as session, session.begin():
            again = await prompts_to_resend(
                session, now=now, lease_expired=now - self._lease, limit=self._batch_size
            )
            for prompt in again:
                sub, user = prompt.subscription, prompt.subscription.user
                prompt.snoozed_until = None
                if now - prompt.due_at > self._grace and prompt.state == PromptState.CLAIMED:
                    prompt.state = PromptState.EXPIRED  # a dead claim, found too late
                    report.expired += 1
                    continue
                prompt.state, prompt.claimed_at = PromptState.CLAIMED, now
                batch.append(claimed(prompt, sub, user))

            subs = await due_subscriptions(session, now=now, limit=self._batch_size - len(again))
            await expire_superseded(session, subscription_ids=[s.id for s in subs])
            fresh = []
            for sub in subs:
                due = sub.next_due_at
                assert due is not None  # the query only returns due rows
                # After downtime, prompts older than the grace period are recorded as
                # expired instead of arriving as a flood of stale messages.
                late = now - due > self._grace
                state = PromptState.EXPIRED if late else PromptState.CLAIMED
                prompt = add_prompt(session, sub=sub, due_at=due, now=now, state=state)
                sub.next_due_at = next_due_for(sub, sub.user, max(now, due))
                if late:
                    report.expired += 1
                    continue
                sub.prompts_claimed += 1
                fresh.append((prompt, sub))
            await session.flush()
            batch.extend(claimed(prompt, sub, sub.user) for prompt, sub in fresh)
        return batch, len(again) + len(subs) >= self._batch_size

    async def _deliver(self, item: ClaimedPrompt, now: datetime, report: DispatchReport) -> None:
        async with self._slots:
            try:
                outgoing = await self._outgoing(item, now)
                message_id = await self._sender.send_prompt(outgoing)
            except Undeliverable:
                async with self._sessions() as session, session.begin():
                    await mark_failed(session, prompt_id=item.prompt_id)
                    await mark_blocked(session, user_id=item.user_id, now=now)
                report.failed += 1
                report.blocked += 1
                return
            except Exception as error:  # one person's failure must not stop the others
                # The exception's type only: its message may quote the request.
                log.warning("prompt delivery failed: %s", type(error).__name__)
                async with self._sessions() as session, session.begin():
                    await mark_failed(session, prompt_id=item.prompt_id)
                report.failed += 1
                report.errors.append(type(error).__name__)
                return
            # The slot is held until the send is recorded, so at any moment at most
            # `concurrency` sends are unrecorded: the most a crash can repeat.
            await self._sent_log.record(item.prompt_id, message_id, now)
            report.sent += 1

    async def _outgoing(self, item: ClaimedPrompt, now: datetime) -> OutgoingPrompt:
        """The message for a claimed prompt; a weekly summary is read from the store."""
        if item.ritual_key != WEEKLY_SUMMARY:
            return _render(item)
        assert item.due_at is not None  # claimed() always sets it
        async with self._sessions() as session:
            text = await summary_text(
                session,
                user_id=item.user_id,
                locale=item.locale,
                timezone=item.timezone,
                due_at=item.due_at,
                now=now,
            )
        return OutgoingPrompt(
            prompt_id=item.prompt_id,
            chat_id=item.chat_id,
            locale=item.locale,
            text=text,
            labels={},
            can_snooze=False,
        )


def _render(item: ClaimedPrompt) -> OutgoingPrompt:
    return OutgoingPrompt(
        prompt_id=item.prompt_id,
        chat_id=item.chat_id,
        locale=item.locale,
        text=prompt_message(item.ritual_key, item.locale, item.variant),
        labels=dict(ritual_text(item.ritual_key, item.locale).labels),
        can_snooze=item.can_snooze,
    )


class _SentLog:
    """Records sends as soon as they happen, many per transaction (group commit).

    Whoever holds the lock writes everything recorded so far in one statement; those
    who waited meanwhile find their entry already written. One writer at a time also
    keeps SQLite from making concurrent writers wait on each other.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._pending: list[tuple[int, int]] = []
        self._written: set[int] = set()
        self._lock = asyncio.Lock()

    async def record(self, prompt_id: int, message_id: int, now: datetime) -> None:
        """Return once the send of `prompt_id` as `message_id` is committed."""
        self._pending.append((prompt_id, message_id))
        async with self._lock:
            if prompt_id in self._written:
                self._written.discard(prompt_id)
                return
            batch, self._pending = self._pending, []
            async with self._sessions() as session, session.begin():
                await mark_sent(session, sent=batch, now=now)
            self._written.update(p for p, _ in batch if p != prompt_id)
