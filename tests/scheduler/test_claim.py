"""Claiming: a fixed few statements per batch, leases, snoozes, retired prompts, next times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from messages.consent import CONSENT_VERSION
from scheduler.claim import claim_batch, following
from scheduler.dispatch import Dispatcher
from scheduler.planning import UNTIL_RESUMED, Standing, next_due_for
from store.db import session_factory
from store.models import Prompt, PromptState, Subscription, User
from store.prompts import DueSubscription
from tests.scheduler.people import NOW, RecordingSender, add_people, states

GRACE, LEASE = timedelta(hours=1), timedelta(minutes=2)


async def _claim_statements(engine: AsyncEngine, due: int) -> int:
    """How many statements claiming `due` prompts in one batch sends."""
    await add_people(engine, due)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with session_factory(engine)() as session, session.begin():
            batch = await claim_batch(
                session, now=NOW, claimed_at=NOW, grace=GRACE, lease=LEASE, limit=500
            )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert len(batch.prompts) == due and not batch.full
    return len(statements)


async def test_a_claim_costs_the_same_statements_for_3_or_300(engine: AsyncEngine) -> None:
    few = await _claim_statements(engine, 3)
    async with session_factory(engine)() as session, session.begin():
        for table in (Prompt, Subscription, User):
            await session.execute(delete(table))
    assert await _claim_statements(engine, 300) == few <= 8


async def _prompt(engine: AsyncEngine, **values: Any) -> int:
    """One prompt row for the first person's subscription; returns its id."""
    async with session_factory(engine)() as session, session.begin():
        sub = await session.scalar(select(Subscription))
        assert sub is not None
        prompt = Prompt(subscription_id=sub.id, **{"variant": 0, "snoozes": 0, **values})
        session.add(prompt)
        await session.flush()
        return prompt.id


async def _prompt_state(engine: AsyncEngine, prompt_id: int) -> str:
    async with session_factory(engine)() as session:
        prompt = await session.get(Prompt, prompt_id)
        assert prompt is not None
        return prompt.state


async def test_a_dead_claim_is_sent_once_its_lease_has_run_out(engine: AsyncEngine) -> None:
    await add_people(engine, 1, due=NOW + timedelta(days=1))
    due = NOW - timedelta(minutes=5)
    dead = await _prompt(engine, due_at=due, claimed_at=due, state=PromptState.CLAIMED)
    sender = RecordingSender()
    dispatcher = Dispatcher(session_factory(engine), sender, grace=GRACE, lease=LEASE)
    report = await dispatcher.tick(due + LEASE - timedelta(seconds=1))  # still leased
    assert (report.sent, sender.sent) == (0, [])
    report = await dispatcher.tick(NOW)
    assert report.sent == 1 and [p.prompt_id for p in sender.sent] == [dead]
    assert await _prompt_state(engine, dead) == PromptState.SENT


async def test_a_dead_claim_found_after_the_grace_period_expires(engine: AsyncEngine) -> None:
    await add_people(engine, 1, due=NOW + timedelta(days=1))
    due = NOW - timedelta(hours=2)
    dead = await _prompt(engine, due_at=due, claimed_at=due, state=PromptState.CLAIMED)
    sender = RecordingSender()
    report = await Dispatcher(session_factory(engine), sender, grace=GRACE).tick(NOW)
    assert (report.sent, report.expired, sender.sent) == (0, 1, [])
    assert await _prompt_state(engine, dead) == PromptState.EXPIRED


async def test_a_snoozed_prompt_comes_back_once_without_later(engine: AsyncEngine) -> None:
    await add_people(engine, 1, due=NOW + timedelta(days=1))
    due = NOW - timedelta(hours=3)  # snoozed long after its due time: still sent
    snoozed = await _prompt(
        engine,
        due_at=due,
        claimed_at=due,
        sent_at=due,
        state=PromptState.SNOOZED,
        snoozes=1,
        snoozed_until=NOW,
    )
    sender = RecordingSender()
    dispatcher = Dispatcher(session_factory(engine), sender, grace=GRACE)
    assert (await dispatcher.tick(NOW - timedelta(seconds=1))).sent == 0
    assert (await dispatcher.tick(NOW)).sent == 1
    [back] = sender.sent
    assert back.prompt_id == snoozed and not back.can_snooze
    assert await _prompt_state(engine, snoozed) == PromptState.SENT
    assert (await dispatcher.tick(NOW + timedelta(minutes=1))).sent == 0


async def test_a_new_prompt_retires_the_rituals_unanswered_one(engine: AsyncEngine) -> None:
    await add_people(engine, 1)
    yesterday = NOW - timedelta(days=1)
    earlier = await _prompt(
        engine, due_at=yesterday, claimed_at=yesterday, sent_at=yesterday, state="sent"
    )
    dispatcher = Dispatcher(session_factory(engine), RecordingSender(), grace=GRACE)
    assert (await dispatcher.tick(NOW)).sent == 1
    assert await _prompt_state(engine, earlier) == PromptState.EXPIRED
    assert await states(engine) == {PromptState.EXPIRED: 1, PromptState.SENT: 1}


class SlowTelegram(RecordingSender):
    """Each send takes 30 s on the dispatcher's timer."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds = 0.0

    async def send_prompt(self, prompt: Any) -> int:
        self.seconds += 30
        return await super().send_prompt(prompt)


async def test_a_lease_counts_from_the_claim_not_from_the_ticks_start(
    engine: AsyncEngine,
) -> None:
    await add_people(engine, 10)
    sender = SlowTelegram()
    dispatcher = Dispatcher(
        session_factory(engine),
        sender,
        grace=GRACE,
        lease=LEASE,
        batch_size=1,
        concurrency=1,
        timer=lambda: sender.seconds,
    )
    report = await dispatcher.tick(NOW)
    assert report.sent == 10  # 5 minutes of sending: the tick never took over its own claims
    async with session_factory(engine)() as session:
        stamps = sorted(await session.scalars(select(Prompt.claimed_at)))
    # One batch is claimed ahead of the send in hand, so the last claims come after at
    # least seven 30 s sends: another dispatcher would not take them over at NOW + 2 min.
    assert stamps[0] == NOW and stamps[-1] >= NOW + timedelta(minutes=3)


ZONES = ("Europe/Berlin", "UTC", "Australia/Lord_Howe", "America/Nuuk", "Asia/Kolkata")
moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@given(
    local_time=st.sampled_from(["00:00", "02:30", "07:15", "22:00", "23:30"]),
    weekdays=st.sets(st.integers(0, 6), min_size=1).map(lambda d: "".join(map(str, sorted(d)))),
    zone=st.sampled_from((*ZONES, None)),
    active=st.booleans(),
    sub_pause=st.one_of(st.none(), moments, st.just(UNTIL_RESUMED)),
    user_pause=st.one_of(st.none(), moments, st.just(UNTIL_RESUMED)),
    blocked=st.one_of(st.none(), moments),
    after=moments,
)
def test_following_is_next_due_for(
    local_time: str,
    weekdays: str,
    zone: str | None,
    active: bool,
    sub_pause: datetime | None,
    user_pause: datetime | None,
    blocked: datetime | None,
    after: datetime,
) -> None:
    # The memoised shortcut for a due row must agree with the rule everyone else uses.
    row = DueSubscription(
        id=1, ritual_key="breath", local_time=local_time, weekdays=weekdays, active=active,
        paused_until=sub_pause, prompts_claimed=0, cycle_shown=0, last_prompt=None,
        next_due_at=after, user_id=1, chat_id=1,
        locale="en", timezone=zone, user_paused_until=user_pause, blocked_at=blocked,
        discreet=True, quiet=False, consent_version=CONSENT_VERSION, unanswered=0,
        pacing_asked_at=None,
    )  # fmt: skip
    standing = Standing(
        active=active,
        timezone=zone,
        blocked=blocked is not None,
        consent_version=CONSENT_VERSION,
        person_paused_until=user_pause,
        ritual_paused_until=sub_pause,
    )
    expected = next_due_for(
        local_time=local_time, weekdays=weekdays, standing=standing, after=after
    )
    assert following(row, after) == expected
    assert following(row, after) == expected  # and from the memo


async def test_a_snoozed_prompt_never_comes_back_once_its_ritual_is_off(
    engine: AsyncEngine,
) -> None:
    # The bug this guards: Later, then the ritual turned off, and the next tick sent it.
    await add_people(engine, 1, due=NOW + timedelta(days=1))
    due = NOW - timedelta(hours=1)
    snoozed = await _prompt(
        engine, due_at=due, claimed_at=due, sent_at=due, state=PromptState.SNOOZED,
        snoozes=1, snoozed_until=NOW,
    )  # fmt: skip
    async with session_factory(engine)() as session, session.begin():
        # Behind the owner's back, as a bug elsewhere would: the claim checks again.
        await session.execute(update(Subscription).values(active=False))
    sender = RecordingSender()
    report = await Dispatcher(session_factory(engine), sender, grace=GRACE).tick(NOW)
    assert (report.sent, sender.sent) == (0, [])
    assert await _prompt_state(engine, snoozed) == PromptState.EXPIRED
