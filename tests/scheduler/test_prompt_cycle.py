"""Each person's shuffled cycle through a ritual's prompts: the rule, and three months of it
through the real dispatcher."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from messages import ritual_text
from scheduler.claim import claim_batch
from scheduler.dispatch import Dispatcher
from scheduler.prompt_cycle import MAX_PROMPTS, Cycle, next_prompt, seed_of
from store.check_ins import rate_prompt
from store.db import session_factory
from store.keyring import Keyring
from store.models import Prompt, Subscription
from store.prompts import get_prompt
from tests.scheduler.people import NOW, RecordingSender, add_people

GRACE = timedelta(hours=1)


def _deal(count: int, draws: int, *, subscription: int = 1) -> list[int]:
    """`draws` prompts in a row for one subscription, as the claim draws them."""
    cycle, shown = Cycle(), []
    for sent in range(draws):
        index, cycle = next_prompt(cycle, prompts=count, seed=seed_of(subscription, sent))
        shown.append(index)
    return shown


def _assert_cycles(shown: Sequence[int], count: int) -> None:
    """Every full cycle shows each prompt once; none comes twice in a row."""
    for start in range(0, len(shown) - count + 1, count):
        assert sorted(shown[start : start + count]) == list(range(count)), start
    tail = shown[len(shown) - len(shown) % count :]
    assert len(set(tail)) == len(tail)  # the cycle under way repeats nothing either
    assert all(a != b for a, b in itertools.pairwise(shown))


@given(count=st.integers(2, MAX_PROMPTS), draws=st.integers(1, 200), sub=st.integers(1, 10**9))
def test_every_prompt_once_per_cycle_and_never_twice_in_a_row(
    count: int, draws: int, sub: int
) -> None:
    _assert_cycles(_deal(count, draws, subscription=sub), count)


def test_the_same_stored_state_always_draws_the_same_prompt() -> None:
    assert _deal(10, 50, subscription=7) == _deal(10, 50, subscription=7)
    # Another person (or another of their rituals) goes round in another order.
    assert _deal(10, 10, subscription=7) != _deal(10, 10, subscription=8)


def test_prompts_added_join_the_cycle_under_way_and_removed_ones_never_come() -> None:
    cycle = Cycle()
    shown = []
    for sent in range(4):
        index, cycle = next_prompt(cycle, prompts=8, seed=seed_of(3, sent))
        shown.append(index)
    for sent in range(4, 10):  # two prompts were added: six to go in this cycle
        index, cycle = next_prompt(cycle, prompts=10, seed=seed_of(3, sent))
        shown.append(index)
    assert sorted(shown) == list(range(10))
    # A locale with fewer prompts: what was shown past its end is simply not drawn.
    index, after = next_prompt(Cycle(shown=0b11, last=9), prompts=3, seed="x")
    assert index == 2 and after == Cycle(shown=0b111, last=2)
    index, _ = next_prompt(after, prompts=3, seed="y")
    assert index in (0, 1)  # a new cycle, not starting with the last one


def test_a_cycle_needs_prompts_to_draw_from() -> None:
    with pytest.raises(ValueError, match="prompts"):
        next_prompt(Cycle(), prompts=0, seed="x")
    with pytest.raises(ValueError, match="prompts"):
        next_prompt(Cycle(), prompts=MAX_PROMPTS + 1, seed="x")


async def _sent_in_order(engine: AsyncEngine) -> list[int]:
    async with session_factory(engine)() as session:
        rows = await session.scalars(select(Prompt.variant).order_by(Prompt.due_at))
        return list(rows)


async def _answer_the_latest(engine: AsyncEngine, keyring: Keyring, now: datetime) -> None:
    async with session_factory(engine, keyring)() as session, session.begin():
        latest = await session.scalar(select(Prompt.id).order_by(Prompt.due_at.desc()).limit(1))
        assert latest is not None
        prompt = await get_prompt(session, prompt_id=latest)
        assert prompt is not None
        await rate_prompt(
            session, prompt=prompt, user_id=prompt.subscription.user_id, rating=3, now=now
        )


async def test_three_months_of_daily_prompts_for_one_person(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    """Ninety-two evenings through the real claim and send, with two dispatchers each
    evening (replicas; at once on PostgreSQL, one after the other on SQLite, which has one
    writer): one prompt an evening, every prompt once per cycle, none twice in a row, the
    words the person received included. They answer each evening, as someone practising
    daily does (unanswered evenings would bring a question about pace instead)."""
    await add_people(engine, 1)  # body scan, every day at 22:00 in Berlin
    count = len(ritual_text("body_scan").prompts)
    sender = RecordingSender()
    replicas = [Dispatcher(session_factory(engine), sender, grace=GRACE) for _ in range(2)]
    days = 92
    for day in range(days):
        now = NOW + timedelta(days=day, seconds=5)
        if engine.dialect.name == "sqlite":
            for replica in replicas:
                await replica.tick(now)
        else:
            await asyncio.gather(*(replica.tick(now) for replica in replicas))
        await _answer_the_latest(engine, keyring, now + timedelta(minutes=5))
    assert len(sender.sent) == days
    shown = await _sent_in_order(engine)
    assert len(shown) == days
    _assert_cycles(shown, count)
    # What arrived reads the same way: ten different texts per cycle, never one twice running.
    texts = [prompt.text for prompt in sender.sent]
    for start in range(0, days - count + 1, count):
        assert len(set(texts[start : start + count])) == count
    assert all(a != b for a, b in itertools.pairwise(texts))
    async with session_factory(engine)() as session:
        sub = await session.scalar(select(Subscription))
    assert sub is not None and sub.prompts_claimed == days
    assert sub.last_prompt == shown[-1]


async def test_a_prompt_taken_over_after_a_crash_is_the_same_prompt(engine: AsyncEngine) -> None:
    """A dispatcher that dies after claiming leaves the claim; whoever takes it over sends
    the prompt that was drawn, and the cycle moved on once."""
    await add_people(engine, 1)
    async with session_factory(engine)() as session, session.begin():
        await session.execute(update(Subscription).values(cycle_shown=0b1111111011))
    # The claim of a dispatcher that died before sending.
    async with session_factory(engine)() as session, session.begin():
        batch = await claim_batch(
            session, now=NOW, claimed_at=NOW, grace=GRACE, lease=timedelta(minutes=2), limit=10
        )
    [claimed] = batch.prompts
    assert claimed.variant == 2  # the one prompt left in this cycle
    sender = RecordingSender()
    later = Dispatcher(session_factory(engine), sender, grace=GRACE)
    await later.tick(NOW + timedelta(minutes=3))
    [prompt] = sender.sent
    assert prompt.prompt_id == claimed.prompt_id
    await later.tick(NOW + timedelta(days=1))
    shown = await _sent_in_order(engine)
    assert shown[0] == 2 and shown[1] != 2  # a new cycle, not starting with the last one
