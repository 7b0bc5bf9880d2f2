"""Operator statistics: exact counts over a small known world, in a handful of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from scheduler.planning import UNTIL_RESUMED
from store.check_ins import add_check_in
from store.db import session_factory
from store.keyring import Keyring
from store.models import Prompt, PromptState, Subscription, User
from store.notes import add_note
from store.stats import active_people, head_revision, overview

NOW = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
WEEK_AGO = NOW - timedelta(days=7)


def _person(n: int, **fields: object) -> User:
    values: dict[str, object] = {
        "telegram_id": 1000 + n,
        "chat_id": 1000 + n,
        "created_at": NOW - timedelta(days=30),
        **fields,
    }
    return User(**values)


async def _seed(engine: AsyncEngine, keyring: Keyring) -> None:
    """Six people: four onboarded, one paused for good, one paused until tomorrow,
    one who blocked the bot, one who only said /start."""
    onboarded = {"consented_at": NOW - timedelta(days=20), "timezone": "Europe/Berlin"}
    people = [
        _person(1, **onboarded),
        _person(2, **onboarded, paused_until=UNTIL_RESUMED),
        _person(3, **onboarded, paused_until=NOW + timedelta(days=1), blocked_at=NOW),
        _person(4, **onboarded, paused_until=NOW - timedelta(days=1)),  # pause over
        _person(5, consented_at=NOW - timedelta(days=2)),  # no timezone chosen yet
        _person(6),
    ]
    async with session_factory(engine, keyring)() as session, session.begin():
        session.add_all(people)
        await session.flush()
        subs = [
            Subscription(user_id=people[0].id, ritual_key="body_scan"),
            Subscription(user_id=people[0].id, ritual_key="breath"),
            Subscription(user_id=people[1].id, ritual_key="body_scan"),
            Subscription(user_id=people[2].id, ritual_key="body_scan", active=False),
            Subscription(user_id=people[3].id, ritual_key="small_wins"),
        ]
        for sub in subs:
            sub.local_time, sub.weekdays, sub.created_at = "22:00", "0123456", NOW
        session.add_all(subs)
        await session.flush()
        states = [
            (PromptState.SENT, NOW - timedelta(hours=1)),
            (PromptState.ANSWERED, NOW - timedelta(days=1)),
            (PromptState.ANSWERED, NOW - timedelta(days=2)),
            (PromptState.EXPIRED, WEEK_AGO),  # exactly a week ago: counted
            (PromptState.FAILED, NOW - timedelta(days=3)),
            (PromptState.ANSWERED, WEEK_AGO - timedelta(seconds=1)),  # older: not counted
        ]
        prompts = [
            Prompt(subscription_id=subs[0].id, due_at=due, claimed_at=due, state=state)
            for state, due in states
        ]
        session.add_all(prompts)
        await session.flush()
        check_ins = [
            (people[0], prompts[1], NOW - timedelta(days=1)),
            (people[0], None, NOW - timedelta(hours=2)),  # same person twice: one active
            (people[1], prompts[2], WEEK_AGO),  # exactly at the boundary: active
            (people[3], prompts[5], WEEK_AGO - timedelta(seconds=1)),  # just before: not
        ]
        for person, prompt, at in check_ins:
            await add_check_in(
                session,
                user_id=person.id,
                prompt_id=prompt.id if prompt else None,
                ritual_key="body_scan",
                rating=3,
                practiced_at=at,
                now=at,
            )
        for p in (people[0], people[0], people[1]):
            await add_note(session, user_id=p.id, text="words", now=NOW)


async def test_overview_counts_the_known_world(engine: AsyncEngine, keyring: Keyring) -> None:
    await _seed(engine, keyring)
    async with session_factory(engine)() as session:
        stats = await overview(session, now=NOW)
    assert (stats.people, stats.onboarded, stats.paused, stats.blocked) == (6, 4, 2, 1)
    assert stats.active_7d == 2
    assert stats.practices == {"body_scan": 2, "breath": 1, "small_wins": 1}
    assert stats.prompts_7d == {
        "claimed": 0,
        "sent": 1,
        "answered": 2,
        "snoozed": 0,
        "skipped": 0,
        "expired": 1,
        "failed": 1,
    }
    assert stats.check_ins_7d == 3
    assert stats.notes == 3
    assert stats.schema == stats.schema_head == head_revision()
    assert stats.at == NOW


async def test_active_people_counts_each_person_once_from_since_on(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    await _seed(engine, keyring)
    async with session_factory(engine)() as session:
        assert await active_people(session, since=WEEK_AGO) == 2
        assert await active_people(session, since=WEEK_AGO - timedelta(seconds=1)) == 3
        assert await active_people(session, since=WEEK_AGO + timedelta(seconds=1)) == 1
        assert await active_people(session, since=NOW) == 0


async def test_an_empty_database_is_all_zeros(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session:
        stats = await overview(session, now=NOW)
    assert (stats.people, stats.active_7d, stats.check_ins_7d, stats.notes) == (0, 0, 0, 0)
    assert stats.practices == {}
    assert set(stats.prompts_7d) == {state.value for state in PromptState}
    assert set(stats.prompts_7d.values()) == {0}


async def test_overview_is_a_handful_of_aggregate_queries(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    """No query per person or per row: the count does not grow with the data."""
    await _seed(engine, keyring)
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with session_factory(engine)() as session:
            await overview(session, now=NOW)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    # Reading the schema revision (Alembic looks for its table first) is not counted.
    schema = ("alembic_version", "sqlite_master", "pg_catalog")
    ours = [s for s in statements if not any(word in s for word in schema)]
    assert len(ours) <= 6, "\n".join(s[:80] for s in ours)
    assert all("count(" in s.lower() for s in ours), ours
