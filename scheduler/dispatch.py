"""The dispatch tick: claim due subscriptions, commit, then send.

Claiming inserts the prompt row (unique on subscription and due time) and advances
`next_due_at` in one transaction that commits before anything is sent, so a prompt is
never sent twice for one due time; a crash between commit and send can lose at most
the prompts of the batch in flight.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from messages import prompt_message, ritual_text
from scheduler.planning import due_after
from scheduler.sender import OutgoingPrompt, Sender, Undeliverable
from store.models import PromptState
from store.prompts import ClaimedPrompt, add_prompt, due_subscriptions, mark_failed, mark_sent
from store.users import mark_blocked

log = logging.getLogger(__name__)


@dataclass
class DispatchReport:
    """What one tick did, as counts (never who or what)."""

    sent: int = 0
    skipped: int = 0
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
        batch_size: int = 200,
    ) -> None:
        self._sessions = sessions
        self._sender = sender
        self._grace = grace
        self._batch_size = batch_size

    async def tick(self, now: datetime) -> DispatchReport:
        """Drain everything due at `now`, batch by batch."""
        report = DispatchReport()
        while True:
            claimed, skipped, full = await self._claim(now)
            report.skipped += skipped
            await self._send_all(claimed, now, report)
            if not full:
                return report

    async def _claim(self, now: datetime) -> tuple[list[ClaimedPrompt], int, bool]:
        claimed: list[ClaimedPrompt] = []
        skipped = 0
        async with self._sessions() as session, session.begin():
            subs = await due_subscriptions(session, now=now, limit=self._batch_size)
            for sub in subs:
                due = sub.next_due_at
                assert due is not None  # the query only returns due rows
                user = sub.user
                assert user.timezone is not None  # nobody subscribes before choosing a zone
                late = now - due > self._grace
                # After downtime, prompts older than the grace period are recorded as
                # skipped instead of arriving as a flood of stale messages.
                state = PromptState.SKIPPED if late else PromptState.CLAIMED
                prompt = add_prompt(session, sub=sub, due_at=due, now=now, state=state)
                sub.next_due_at = due_after(sub, user.timezone, max(now, due))
                if late:
                    skipped += 1
                    continue
                sub.prompts_claimed += 1
                await session.flush()
                claimed.append(
                    ClaimedPrompt(
                        prompt_id=prompt.id,
                        user_id=user.id,
                        chat_id=user.chat_id,
                        locale=user.locale,
                        ritual_key=sub.ritual_key,
                        variant=prompt.variant,
                    )
                )
        return claimed, skipped, len(subs) == self._batch_size

    async def _send_all(
        self, claimed: list[ClaimedPrompt], now: datetime, report: DispatchReport
    ) -> None:
        results = await asyncio.gather(
            *(self._send_one(c) for c in claimed), return_exceptions=True
        )
        async with self._sessions() as session, session.begin():
            for item, result in zip(claimed, results, strict=True):
                if isinstance(result, int):
                    await mark_sent(session, prompt_id=item.prompt_id, message_id=result, now=now)
                    report.sent += 1
                    continue
                await mark_failed(session, prompt_id=item.prompt_id)
                report.failed += 1
                if isinstance(result, Undeliverable):
                    await mark_blocked(session, user_id=item.user_id, now=now)
                    report.blocked += 1
                else:
                    # The exception's type only: its message may quote the request.
                    report.errors.append(type(result).__name__)
                    log.warning("prompt delivery failed: %s", type(result).__name__)

    async def _send_one(self, item: ClaimedPrompt) -> int:
        text = ritual_text(item.ritual_key, item.locale)
        return await self._sender.send_prompt(
            OutgoingPrompt(
                prompt_id=item.prompt_id,
                chat_id=item.chat_id,
                locale=item.locale,
                text=prompt_message(item.ritual_key, item.locale, item.variant),
                labels=dict(text.labels),
            )
        )
