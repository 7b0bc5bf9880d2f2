"""The dispatch tick: claim what is due, commit, then send and record each prompt.

Claiming (scheduler.claim) inserts the prompt rows (unique on subscription and due time)
and advances `next_due_at` in one transaction that commits before anything is sent, so
two dispatchers never send one due time twice. Claiming overlaps with sending: the claim
loop keeps a bounded queue about a batch ahead of `concurrency` workers, so the database
and Telegram are busy at the same time instead of in turns. A unit of work is one chat's
prompts in a batch, sent one after the other: a person with five rituals at 22:00 holds
one worker while the per-chat limit makes them wait, not five.

Each send is recorded as soon as Telegram answers (a group commit: scheduler.sent_log),
and a worker records its send before it starts the next, so at any moment at most `concurrency`
sends are unrecorded: the most a crash can repeat. A dispatcher that dies leaves its other
prompts claimed; once a claim's lease runs out, any dispatcher sends them, so a crash loses
nothing within the grace period. A dispatcher told to stop (SIGTERM) claims no more,
finishes and records the sends in flight, and releases what it claimed but did not send,
so another dispatcher sends it at once instead of after the lease. A claim waits in the
queue for about two batches' sending time (400 prompts: 16 s at 25/s with the defaults);
the lease must stay well above that. A claim that still waits when three quarters of its
lease are gone is not sent by this dispatcher (another may be taking it over): it goes
out after the lease, late but once.

A weekly summary is a subscription with a reserved key (see scheduler.summary): claimed,
sent and recorded exactly like a prompt, but rendered from the person's week, as plain
text with nothing to rate. A due time that asks about a ritual's pace (scheduler.pacing)
is claimed and recorded like the prompt it stands in for, and rendered as that question.
Discreet mode covers all three alike: a neutral line until the person taps Open. Someone
whose prompt comes due under an older consent text is asked about the text in force
instead (scheduler.claim parks their rituals). Once the prompts are out, partners are told
what their shared check-in came to (scheduler.reveals), claimed and recorded the same way.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduler.changes import blocked
from scheduler.claim import claim_batch
from scheduler.pacing import PacingOffer, offer_text
from scheduler.prompt_words import outgoing, sent_period
from scheduler.reveals import Reveals
from scheduler.sender import ConsentAsk, OutgoingPrompt, Sender, Undeliverable
from scheduler.sent_log import SentLog
from scheduler.summary import WEEKLY_SUMMARY, summary_text
from store.prompts import ClaimedPrompt, expire_unanswered, mark_failed, release_claims

log = logging.getLogger(__name__)

# An unanswered prompt stays open this long (or until the ritual's next prompt).
ANSWER_WINDOW = timedelta(hours=24)

# Prompts claimed per transaction; the queue holds about one batch ahead of the workers.
BATCH_SIZE = 200

# One chat's prompts of a batch, sent one after the other by one worker, or a consent
# question; None: stop.
_Unit = tuple[float, list[ClaimedPrompt]] | ConsentAsk | None
# Of a claim's lease, the part within which this dispatcher may still start sending it. The
# rest covers the send itself (the rate limiter may hold it) and clocks that disagree a
# little: after the lease any dispatcher may take the claim over and send it too.
_SEND_WITHIN = 0.75


class DispatchEvents(Protocol):
    """What the dispatcher reports as it goes (bot.metrics.Metrics counts it)."""

    def prompt_sent(self, lag: timedelta) -> None:
        """A prompt went out `lag` after it was due."""

    def prompts_skipped(self, reason: str, count: int) -> None:
        """`count` prompts were not sent, for `reason`."""

    def prompt_failed(self, reason: str) -> None:
        """Telegram did not take a prompt."""


class _Unobserved:
    """DispatchEvents that go nowhere."""

    def prompt_sent(self, lag: timedelta) -> None:
        """Nothing to do."""

    def prompts_skipped(self, reason: str, count: int) -> None:
        """Nothing to do."""

    def prompt_failed(self, reason: str) -> None:
        """Nothing to do."""


@dataclass
class DispatchReport:
    """What one tick did, as counts (never who or what)."""

    sent: int = 0
    asked: int = 0  # people asked about a newer consent text instead of a prompt
    expired: int = 0
    failed: int = 0
    blocked: int = 0
    released: int = 0
    lapsed: int = 0  # claims held so long in the queue that they were left for after the lease
    shared: int = 0  # partners told what their shared check-in came to
    errors: list[str] = field(default_factory=list)


@dataclass
class _Tick:
    """One tick's shared state: its `now` and start, its report, the error that stopped
    it, and what it claimed but left unsent because it was told to stop."""

    now: datetime
    started: float
    report: DispatchReport
    failure: Exception | None = None
    unsent: list[int] = field(default_factory=list)

    def stop(self, error: Exception) -> None:
        """No more claims, no more sends; the first error is the one the tick raises."""
        if self.failure is None:
            self.failure = error


class Dispatcher:
    """Sends every prompt that has come due, in batches, each claimed before it is sent."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sender: Sender,
        *,
        grace: timedelta,
        lease: timedelta = timedelta(minutes=2),
        batch_size: int = BATCH_SIZE,
        concurrency: int = 32,
        timer: Callable[[], float] = time.monotonic,
        events: DispatchEvents | None = None,
        reveals: Reveals | None = None,
    ) -> None:
        self._sessions = sessions
        self._reveals = reveals
        self._sender = sender
        self._grace = grace
        self._lease = lease
        self._batch_size = batch_size
        self._concurrency = concurrency
        self._timer = timer  # seconds, for how long a tick has run (tests inject one)
        self._sent_log = SentLog(sessions)
        self._events: DispatchEvents = events or _Unobserved()
        self._stopping = False

    def stop(self) -> None:
        """Claim nothing more; sends in flight finish, queued claims are released."""
        self._stopping = True

    async def tick(self, now: datetime) -> DispatchReport:
        """Drain everything due at `now`: claim batch after batch while workers send.

        Returns once every claimed prompt is sent and recorded (or failed). A database
        error stops the tick: no more claims or sends, the workers finish the sends they
        hold, and the error is raised; what stays claimed is sent after its lease.
        """
        tick = _Tick(now, self._timer(), DispatchReport())
        async with self._sessions() as session, session.begin():
            await expire_unanswered(session, sent_before=now - ANSWER_WINDOW)
        work: asyncio.Queue[_Unit] = asyncio.Queue(self._batch_size)
        # The task group waits for every worker; if the tick itself is cancelled, it
        # cancels them too.
        async with self._sent_log.connected(), asyncio.TaskGroup() as workers:
            for _ in range(self._concurrency):
                workers.create_task(self._work(work, tick))
            try:
                await self._feed(work, tick)
            except Exception as error:  # e.g. the database went away mid-claim
                tick.stop(error)
            for _ in range(self._concurrency):
                await work.put(None)
        if tick.unsent and tick.failure is None:
            async with self._sessions() as session, session.begin():
                await release_claims(
                    session, prompt_ids=tick.unsent, lease_over=tick.now - self._lease
                )
            tick.report.released = len(tick.unsent)
        if tick.failure is not None:
            raise tick.failure
        if self._reveals is not None and not self._stopping:
            tick.report.shared = await self._reveals.tick(tick.now)
        return tick.report

    def _elapsed(self, tick: _Tick) -> timedelta:
        return timedelta(seconds=self._timer() - tick.started)

    async def _feed(self, work: asyncio.Queue[_Unit], tick: _Tick) -> None:
        """Claim batches until one comes back short, queueing each chat's prompts."""
        while tick.failure is None and not self._stopping:
            # A lease counts from the moment of the claim, not from the tick's start.
            claimed_at = tick.now + self._elapsed(tick)
            send_by = self._timer() + _SEND_WITHIN * self._lease.total_seconds()
            async with self._sessions() as session, session.begin():
                batch = await claim_batch(
                    session,
                    now=tick.now,
                    claimed_at=claimed_at,
                    grace=self._grace,
                    lease=self._lease,
                    limit=self._batch_size,
                )
            tick.report.expired += batch.expired
            self._events.prompts_skipped("too_late", batch.expired)
            self._events.prompts_skipped("consent_outdated", batch.parked)
            self._events.prompts_skipped("withdrawn", batch.withdrawn)
            by_chat: dict[int, list[ClaimedPrompt]] = {}
            for item in batch.prompts:  # oldest first, within a chat too
                by_chat.setdefault(item.chat_id, []).append(item)
            for unit in by_chat.values():
                await work.put((send_by, unit))  # waits while about a batch is queued
            for ask in batch.asks:
                await work.put(ask)
            if not batch.full:
                return

    async def _work(self, work: asyncio.Queue[_Unit], tick: _Tick) -> None:
        """Send units of work until told to stop; a chat's prompts one after the other."""
        while (unit := await work.get()) is not None:
            # After a failure, what is queued stays claimed: after its lease, any
            # dispatcher sends it (none of it was sent, so none of it repeats).
            try:
                if isinstance(unit, ConsentAsk):
                    if tick.failure is None and not self._stopping:
                        await self._ask(unit, tick)
                    continue
                send_by, items = unit
                for item in items:
                    if tick.failure is not None:
                        break
                    if self._stopping:
                        tick.unsent.append(item.prompt_id)
                        continue
                    if self._timer() > send_by:
                        # Waited too long in the queue (a slow Telegram, a busy machine):
                        # another dispatcher may be taking it over, so sending it now
                        # could send it twice. Left claimed, it goes out after the lease.
                        tick.report.lapsed += 1
                        continue
                    await self._deliver(item, tick)
            except Exception as error:  # recording failed: the database went away
                tick.stop(error)

    async def _deliver(self, item: ClaimedPrompt, tick: _Tick) -> None:
        """Send one prompt and record the outcome before returning."""
        now, report = tick.now, tick.report
        try:
            outgoing = await self._outgoing(item, now)
            message_id = await self._sender.send_prompt(outgoing)
        except Undeliverable:
            async with self._sessions() as session, session.begin():
                await mark_failed(session, prompt_id=item.prompt_id)
                await blocked(session, user_id=item.user_id, now=now)
            report.failed += 1
            report.blocked += 1
            self._events.prompt_failed("blocked")
            return
        except Exception as error:  # one person's failure must not stop the others
            # The exception's type only: its message may quote the request.
            log.warning("prompt delivery failed: %s", type(error).__name__)
            async with self._sessions() as session, session.begin():
                await mark_failed(session, prompt_id=item.prompt_id)
            report.failed += 1
            report.errors.append(type(error).__name__)
            self._events.prompt_failed(type(error).__name__)
            return
        # The worker waits for this write before its next send, so at any moment at most
        # `concurrency` sends are unrecorded: the most a crash can repeat.
        await self._sent_log.record(item.prompt_id, message_id, now)
        report.sent += 1
        if item.due_at is not None and item.can_snooze:  # a snoozed one came back late on purpose
            self._events.prompt_sent(now + self._elapsed(tick) - item.due_at)

    async def _ask(self, ask: ConsentAsk, tick: _Tick) -> None:
        """Ask about the consent text in force. Nothing records it: if it does not go out,
        the person is asked at their next message instead (their rituals stay parked)."""
        try:
            await self._sender.ask_consent(ask)
        except Undeliverable:
            async with self._sessions() as session, session.begin():
                await blocked(session, user_id=ask.user_id, now=tick.now)
            tick.report.blocked += 1
            return
        except Exception as error:  # one person's failure must not stop the others
            log.warning("consent question failed: %s", type(error).__name__)
            tick.report.errors.append(type(error).__name__)
            return
        tick.report.asked += 1

    async def _outgoing(self, item: ClaimedPrompt, now: datetime) -> OutgoingPrompt:
        """The message for a claimed prompt; a weekly summary is read from the store."""
        if item.pacing:
            return _pacing(item)
        if item.ritual_key != WEEKLY_SUMMARY:
            return outgoing(item)
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
            discreet=item.discreet,
            period=sent_period(item.claimed_at, item.timezone),
            quiet=item.quiet,
        )


def _pacing(item: ClaimedPrompt) -> OutgoingPrompt:
    """The question about a ritual's pace, in place of its prompt."""
    return OutgoingPrompt(
        prompt_id=item.prompt_id,
        chat_id=item.chat_id,
        locale=item.locale,
        text=offer_text(item.ritual_key, item.locale),
        labels={},
        can_snooze=False,
        discreet=item.discreet,
        period=sent_period(item.claimed_at, item.timezone),
        quiet=item.quiet,
        pacing=PacingOffer(item.ritual_key, several_days=len(set(item.weekdays)) > 1),
    )


def longest_claim_wait(rate: float) -> float:
    """Seconds a claim may wait in a dispatcher's queue before it is sent at `rate` per
    second (about two batches); a lease shorter than this lets another dispatcher take
    over a claim that is still going to be sent, and the prompt goes out twice."""
    return 2 * BATCH_SIZE / rate
