"""Claiming one batch: what is due becomes prompt rows, committed before anything is sent.

One transaction per batch: take over prompts whose snooze is over or whose claim's lease
ran out, lock the due subscriptions, retire each ritual's earlier unanswered prompt,
insert the new prompt rows (unique on subscription and due time), each with the prompt
the person's cycle draws next (scheduler.prompt_cycle), and move every subscription to
its next due time and on in its cycle. The statements are the same few for 1 or 1,000 rows
(see store.prompts); what is decided per row (sent or too late, when next) is here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

from messages import is_ritual, ritual_text
from scheduler.changes import Move, advance, park, standing_of, withdraw
from scheduler.pacing import offer_due
from scheduler.planning import Standing, may_prompt, next_due_for, rule_from_text
from scheduler.prompt_cycle import Cycle, next_prompt, seed_of
from scheduler.sender import ConsentAsk
from store.models import PromptState
from store.pacing import asked
from store.partner_rounds import SHARED_RITUAL, prompted
from store.prompts import (
    ClaimedPrompt,
    DueSubscription,
    NewPrompt,
    claimed,
    due_rows,
    expire_superseded,
    insert_claims,
    prompts_to_resend,
)


@dataclass
class Batch:
    """One committed claim: the prompts to send, the people to ask about a newer consent
    text, how many were too late, how many may no longer be sent at all, and whether the
    batch came back full (so more may be due)."""

    prompts: list[ClaimedPrompt] = field(default_factory=list)
    asks: list[ConsentAsk] = field(default_factory=list)
    expired: int = 0
    parked: int = 0
    withdrawn: int = 0
    full: bool = False


async def claim_batch(
    session: AsyncSession,
    *,
    now: datetime,
    claimed_at: datetime,
    grace: timedelta,
    lease: timedelta,
    limit: int,
) -> Batch:
    """Claim up to `limit` prompts due at `now`, in the caller's transaction.

    `claimed_at` is when the claim is made: the tick's `now` plus the time the tick has
    run so far. A lease counts from it, so a prompt claimed late in a long tick is not
    taken over by another dispatcher as soon as it is claimed. Whose lease ran out is
    judged at `now`, though: a tick never takes over the claims it made itself, however
    long they wait for their turn to be sent.

    Whatever is claimed is checked once more against its subscription and person (on,
    unpaused, consented, not blocked, with a zone): scheduler.changes keeps that true
    already, and a prompt that fails it anyway is never sent.
    """
    batch = Batch()
    again = await prompts_to_resend(session, now=now, lease_expired=now - lease, limit=limit)
    for prompt in again:  # rare and few: the ORM is fine here
        sub, user = prompt.subscription, prompt.subscription.user
        if not may_prompt(standing_of(sub, user), now):
            withdraw(prompt)
            batch.withdrawn += 1
            continue
        prompt.snoozed_until = None
        if now - prompt.due_at > grace and prompt.state == PromptState.CLAIMED:
            prompt.state = PromptState.EXPIRED  # a dead claim, found too late
            batch.expired += 1
            continue
        prompt.state, prompt.claimed_at = PromptState.CLAIMED, claimed_at
        batch.prompts.append(claimed(prompt, sub, user))

    # One row more than there is room for tells whether more are due, so the last claim of
    # a tick is not followed by one more that finds nothing (the extra row stays due).
    room = limit - len(again)
    found = await due_rows(session, now=now, limit=room + 1) if room > 0 else []
    batch.full = room <= 0 or len(found) > room
    found = found[:room]
    standings = {row.id: _standing(row) for row in found}
    # Someone who agreed to an older consent text gets no prompt until they agree again:
    # when one comes due they are asked instead, once, as all their rituals are parked
    # together; agreeing reschedules them. Anything else that stops a prompt: nothing is
    # sent, the row moves to when it may be.
    due: list[DueSubscription] = []
    outdated: list[DueSubscription] = []
    stopped: list[DueSubscription] = []
    for row in found:
        standing = standings[row.id]
        if not standing.consented:
            outdated.append(row)
        else:
            (due if may_prompt(standing, now) else stopped).append(row)
    asks = {r.user_id: ConsentAsk(r.user_id, r.chat_id, r.locale, r.quiet) for r in outdated}
    await park(session, user_ids=list(asks))
    batch.parked, batch.asks = len(outdated), list(asks.values())
    moves = [
        Move(r.id, following(r, now, standings[r.id]), r.prompts_claimed, _cycle(r))
        for r in stopped
    ]
    batch.withdrawn += len(stopped)
    if not due:
        await advance(session, moves=moves)
        return batch
    # Before the new rows exist, so only earlier prompts are retired (the ORM update
    # also flushes the resent prompts above, which are claimed again, not retired).
    untouched = await expire_superseded(session, subscription_ids=[row.id for row in due])
    claims, fresh = [], []
    due_at: dict[int, datetime] = {}
    variant: dict[int, int] = {}
    # Due times that ask about the ritual's pace instead of prompting (scheduler.pacing).
    offers: dict[int, datetime] = {}
    for row in due:
        # After downtime, prompts older than the grace period are recorded as expired
        # instead of arriving as a flood of stale messages; the latest one still within
        # the grace period is sent.
        due_at[row.id] = row.next_due_at
        late = now - row.next_due_at > grace
        if late:
            recent = following(row, now - grace, standings[row.id])
            if recent is not None and recent <= now:
                due_at[row.id], late = recent, False
                batch.expired += 1  # the ones before it are skipped
        variant[row.id], cycle = _draw(row)
        if not late and _asks_about_pace(row, due_at[row.id], just_untouched=row.id in untouched):
            offers[row.id] = due_at[row.id]
        claims.append(
            NewPrompt(
                subscription_id=row.id,
                due_at=due_at[row.id],
                variant=variant[row.id],
                state=PromptState.EXPIRED if late else PromptState.CLAIMED,
            )
        )
        # Only a prompt that is sent moves the person on in their cycle: not an expired
        # one, and not a question about pace sent in its place.
        shown = not late and row.id not in offers
        moves.append(
            Move(
                row.id,
                following(row, max(now, due_at[row.id]), standings[row.id]),
                row.prompts_claimed + (1 if shown else 0),
                cycle if shown else _cycle(row),
            )
        )
        if late:
            batch.expired += 1
        else:
            fresh.append(row)
    await advance(session, moves=moves)
    await asked(session, offers=offers)
    ids = await insert_claims(session, claims=claims, claimed_at=claimed_at)
    # A needs-and-boundaries prompt shared with a partner joins their round (a question
    # about pace in its place has nothing to answer, so it joins none).
    await prompted(
        session,
        prompts=[
            (row.user_id, ids[row.id], due_at[row.id])
            for row in fresh
            if row.ritual_key == SHARED_RITUAL and row.id not in offers
        ],
        now=now,
    )
    batch.prompts += [
        ClaimedPrompt(
            prompt_id=ids[row.id],
            user_id=row.user_id,
            chat_id=row.chat_id,
            locale=row.locale,
            ritual_key=row.ritual_key,
            variant=variant[row.id],
            can_snooze=True,  # a new prompt has never been snoozed
            claimed_at=claimed_at,
            due_at=due_at[row.id],
            timezone=row.timezone,
            discreet=row.discreet,
            quiet=row.quiet,
            pacing=row.id in offers,
            weekdays=row.weekdays,
        )
        for row in fresh
    ]
    return batch


def _cycle(row: DueSubscription) -> Cycle:
    """Where a due row stands in its cycle of prompts."""
    return Cycle(row.cycle_shown, row.last_prompt)


def _draw(row: DueSubscription) -> tuple[int, Cycle]:
    """The prompt a due row sends next, and its cycle once that prompt is sent.

    A weekly summary (or a ritual retired from the catalogue) has no prompts to cycle.
    """
    count = _prompt_count(row.ritual_key, row.locale)
    if count is None:
        return 0, _cycle(row)
    return next_prompt(_cycle(row), prompts=count, seed=seed_of(row.id, row.prompts_claimed))


@lru_cache(maxsize=1024)
def _prompt_count(ritual_key: str, locale: str) -> int | None:
    """How many prompts a ritual has in a locale (None: no ritual); the catalogue is read
    once, so this is looked up once per ritual and locale, not once per row."""
    if not is_ritual(ritual_key):
        return None
    return len(ritual_text(ritual_key, locale).prompts)


def _asks_about_pace(row: DueSubscription, due_at: datetime, *, just_untouched: bool) -> bool:
    """True if this due time asks about the ritual's pace instead of prompting; a prompt
    retired untouched by this very claim counts too. The weekly summary is no ritual."""
    return is_ritual(row.ritual_key) and offer_due(
        unanswered=row.unanswered + (1 if just_untouched else 0),
        weekdays=row.weekdays,
        asked_at=row.pacing_asked_at,
        due_at=due_at,
    )


def following(
    row: DueSubscription, after: datetime, standing: Standing | None = None
) -> datetime | None:
    """`scheduler.planning.next_due_for` for a due row, memoised when nothing stops it.

    In an evening rush most people due at one instant share a rule (22:00, every day,
    one zone), so the calendar math is done once per rule. Pauses, blocks and switched-off
    rituals are rare; they go through `next_due_for` itself, so its rules live in one place.
    The claim passes the row's standing, which it has already worked out.
    """
    if standing is None:
        standing = _standing(row)
    if not standing.can_ever_prompt or not may_prompt(standing, after):
        return next_due_for(
            local_time=row.local_time, weekdays=row.weekdays, standing=standing, after=after
        )
    assert row.timezone is not None
    return _rule_next_due(row.local_time, row.weekdays, row.timezone, after)


def _standing(row: DueSubscription) -> Standing:
    """What, besides the calendar, decides whether a due row prompts."""
    return Standing(
        active=row.active,
        timezone=row.timezone,
        blocked=row.blocked_at is not None,
        consent_version=row.consent_version,
        person_paused_until=row.user_paused_until,
        ritual_paused_until=row.paused_until,
    )


@lru_cache(maxsize=4096)
def _rule_next_due(local_time: str, weekdays: str, zone: str, after: datetime) -> datetime:
    """The next due time of a rule as stored: pure, so safe to memoise."""
    rule = rule_from_text(local_time=local_time, weekdays=weekdays, timezone=zone)
    return rule.next_after(after)
