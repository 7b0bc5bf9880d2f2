"""store.progress on SQLite and PostgreSQL: history as plain entries, milestones once each."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from progress.history import Entry
from store.check_ins import Previous, add_check_in, before, get_check_in
from store.db import session_factory
from store.keyring import Keyring
from store.models import Milestone, User
from store.notes import add_note
from store.progress import (
    Place,
    add_milestones,
    history,
    milestones_between,
    newer_check_ins,
    note_bodies,
    older_check_ins,
    place_of,
    practiced_before,
    reached_among,
    release_held,
)
from store.users import count_care_offer

T0 = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)


async def _person(engine: AsyncEngine, telegram_id: int) -> int:
    async with session_factory(engine)() as session, session.begin():
        user = User(telegram_id=telegram_id, chat_id=telegram_id, created_at=T0)
        session.add(user)
        await session.flush()
        return user.id


async def _check_in(
    engine: AsyncEngine, keyring: Keyring, user_id: int, key: str, rating: int, day: int
) -> int:
    async with session_factory(engine, keyring)() as session, session.begin():
        at = T0 + timedelta(days=day)
        row = await add_check_in(
            session, user_id=user_id, ritual_key=key, rating=rating, practiced_at=at, now=at
        )
        return row.id


async def test_history_is_oldest_first_with_notes_marked_and_only_ones_own(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    sam, alex = await _person(engine, 1), await _person(engine, 2)
    second = await _check_in(engine, keyring, sam, "breath", 4, 1)
    await _check_in(engine, keyring, sam, "body_scan", 2, 0)
    await _check_in(engine, keyring, alex, "breath", 5, 0)
    sessions = session_factory(engine, keyring)
    async with sessions() as session, session.begin():
        await add_note(session, user_id=sam, text="soft", now=T0, check_in_id=second)
        await add_note(session, user_id=sam, text="journal", now=T0)
    async with sessions() as session:
        entries = await history(session, user_id=sam)
        assert entries == [
            Entry("body_scan", 2, T0),
            Entry("breath", 4, T0 + timedelta(days=1), has_note=True),
        ]
        assert await history(session, user_id=sam, since=T0 + timedelta(hours=1)) == [entries[1]]
        assert await history(session, user_id=sam, until=T0) == [entries[0]]
        newest = await older_check_ins(session, user_id=sam, than=None, limit=10)
        assert [entry for _, entry in newest] == entries[::-1]
        assert newest[0][0] == second
        bodies = await note_bodies(session, user_id=sam, check_in_ids=[second])
        assert bodies == {second: "soft"}
        # Someone else's check-in ids never reach their notes.
        assert await note_bodies(session, user_id=alex, check_in_ids=[second]) == {}
        assert await note_bodies(session, user_id=sam, check_in_ids=[]) == {}


async def test_milestones_are_stored_once_and_only_the_storing_call_gets_them(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    sam = await _person(engine, 3)
    sessions = session_factory(engine, keyring)
    async with sessions() as session, session.begin():
        added = await add_milestones(
            session, user_id=sam, keys=["total_3", "first:breath"], now=T0
        )
    assert added == ["total_3", "first:breath"]
    async with sessions() as session, session.begin():
        later = T0 + timedelta(days=2)
        added = await add_milestones(
            session, user_id=sam, keys=["first_five:breath", "total_3"], now=later
        )
        assert added == ["first_five:breath"]
        assert await add_milestones(session, user_id=sam, keys=[], now=later) == []
    async with sessions() as session:
        keys = ["total_3", "first:breath", "first_five:breath", "first_note", "total_7"]
        assert await reached_among(session, user_id=sam, keys=keys) == {
            "total_3",
            "first:breath",
            "first_five:breath",
        }
        assert await reached_among(session, user_id=sam, keys=[]) == frozenset()
        week = await milestones_between(
            session, user_id=sam, since=T0 + timedelta(days=1), until=T0 + timedelta(days=7)
        )
        assert week == ["first_five:breath"]


async def test_two_transactions_reaching_one_milestone_store_and_celebrate_it_once(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    sam = await _person(engine, 4)
    sessions = session_factory(engine, keyring)

    async def reach() -> list[str]:
        async with sessions() as session, session.begin():
            return await add_milestones(session, user_id=sam, keys=["first_note"], now=T0)

    results = await asyncio.gather(reach(), reach(), reach())
    assert sorted(results) == [[], [], ["first_note"]]
    async with sessions() as session:
        assert await reached_among(session, user_id=sam, keys=["first_note"]) == {"first_note"}
        rows = await session.scalars(Milestone.__table__.select())
        assert len(list(rows)) == 1


async def test_held_milestones_are_reached_at_once_and_handed_back_once_oldest_first(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    sam, alex = await _person(engine, 5), await _person(engine, 6)
    sessions = session_factory(engine, keyring)
    async with sessions() as session, session.begin():
        await add_milestones(session, user_id=sam, keys=["total_3"], now=T0)
        for day, keys in ((1, ["welcome_back:2026-11-24", "first:breath"]), (2, ["total_7"])):
            at = T0 + timedelta(days=day)
            await add_milestones(session, user_id=sam, keys=keys, now=at, held=True)
        await add_milestones(session, user_id=alex, keys=["total_7"], now=T0, held=True)
    async with sessions() as session:
        # Held is reached all the same: no rule finds it again.
        assert await reached_among(session, user_id=sam, keys=["total_7"]) == {"total_7"}

    async def release() -> list[str]:
        async with sessions() as session, session.begin():
            return await release_held(session, user_id=sam)

    results = await asyncio.gather(release(), release(), release())
    assert sorted(results) == [[], [], ["welcome_back:2026-11-24", "first:breath", "total_7"]]
    async with sessions() as session, session.begin():
        assert await release_held(session, user_id=alex) == ["total_7"]


async def test_care_offers_are_counted_one_each_even_at_once(engine: AsyncEngine) -> None:
    sam = await _person(engine, 7)
    sessions = session_factory(engine)

    async def offer() -> int:
        async with sessions() as session, session.begin():
            return await count_care_offer(session, user_id=sam)

    assert sorted(await asyncio.gather(offer(), offer(), offer())) == [0, 1, 2]
    assert await offer() == 3


async def _check_ins_at(
    engine: AsyncEngine,
    keyring: Keyring,
    user_id: int,
    moments: list[datetime],
    ritual_key: str = "breath",
) -> list[int]:
    """One check-in of `ritual_key` per moment, in this order (ids rise with it); their ids."""
    async with session_factory(engine, keyring)() as session, session.begin():
        rows = [
            await add_check_in(
                session,
                user_id=user_id,
                ritual_key=ritual_key,
                rating=1 + n % 5,
                practiced_at=at,
                now=T0,
            )
            for n, at in enumerate(moments)
        ]
        return [row.id for row in rows]


async def test_a_rating_reads_the_span_from_since_to_its_own_instant_and_nothing_else(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    sam, alex = await _person(engine, 8), await _person(engine, 9)
    since, latest = T0, T0 + timedelta(days=20)
    tick = timedelta(microseconds=1)
    moments = [since - tick, since, latest - tick, latest, latest, latest + tick]
    ids = await _check_ins_at(engine, keyring, sam, moments)
    await _check_ins_at(engine, keyring, alex, [since, latest])
    await _check_ins_at(engine, keyring, sam, [since + tick], ritual_key="body_scan")
    async with session_factory(engine, keyring)() as session:
        rated = await get_check_in(session, check_in_id=ids[3])
        assert rated is not None
        found = await practiced_before(session, check_in=rated, since=since)
        # From `since` on, up to the rating's own instant (a twin at that instant included),
        # never the rating itself, nothing later, nobody else's, no other practice's.
        assert sorted(entry.practiced_at for entry in found) == [since, latest - tick, latest]
        assert {entry.ritual_key for entry in found} == {"breath"}


async def test_before_steps_back_once_and_counts_no_further_than_asked(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    sam, alex = await _person(engine, 10), await _person(engine, 11)
    # All made at the same instant: the row settles which came before.
    ids = await _check_ins_at(engine, keyring, sam, [T0 + timedelta(hours=n) for n in range(12)])
    [only] = await _check_ins_at(engine, keyring, alex, [T0])
    async with session_factory(engine, keyring)() as session:
        eighth = await get_check_in(session, check_in_id=ids[7])
        assert eighth is not None
        assert await before(session, check_in=eighth, count_up_to=101) == (
            Previous(rating=1 + 6 % 5, created_at=T0),
            12,
        )
    async with session_factory(engine, keyring)() as session:
        eighth = await get_check_in(session, check_in_id=ids[7])
        assert eighth is not None
        assert (await before(session, check_in=eighth, count_up_to=5)).total == 5
        theirs = await get_check_in(session, check_in_id=only)
        assert theirs is not None
        assert await before(session, check_in=theirs, count_up_to=101) == (None, 1)


async def test_history_pages_walk_every_check_in_once_ties_by_row_and_only_ones_own(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    sam, alex = await _person(engine, 12), await _person(engine, 13)
    # Three at one instant (a tie on practiced_at), and ids that do not follow the time.
    moments = [T0 + timedelta(days=d) for d in (5, 1, 3, 3, 3, 0, 7, 2, 6, 4)]
    ids = await _check_ins_at(engine, keyring, sam, moments)
    theirs = await _check_ins_at(engine, keyring, alex, [T0 + timedelta(days=3)] * 3)
    expected = sorted(zip(moments, ids, strict=True), reverse=True)  # newest first, ties by row
    async with session_factory(engine, keyring)() as session:
        older: list[int] = []
        place: Place | None = None
        while page := await older_check_ins(session, user_id=sam, than=place, limit=3):
            older += [check_in for check_in, _ in page]
            place = await place_of(session, user_id=sam, check_in_id=page[-1][0])
        assert older == [check_in for _, check_in in expected]
        # Back up from the oldest, three at a time: each page newest first, the nearest three.
        oldest = await place_of(session, user_id=sam, check_in_id=older[-1])
        assert oldest is not None
        newer = await newer_check_ins(session, user_id=sam, than=oldest, limit=3)
        assert [check_in for check_in, _ in newer] == older[-4:-1]
        tied = await place_of(session, user_id=sam, check_in_id=ids[3])
        assert tied == Place(T0 + timedelta(days=3), ids[3])
        around = await older_check_ins(session, user_id=sam, than=tied, limit=2)
        assert [check_in for check_in, _ in around] == [ids[2], ids[7]]
        around = await newer_check_ins(session, user_id=sam, than=tied, limit=2)
        assert [check_in for check_in, _ in around] == [ids[9], ids[4]]
        # Someone else's check-in, or one that does not exist, is no place in Sam's history.
        assert await place_of(session, user_id=sam, check_in_id=theirs[0]) is None
        assert await place_of(session, user_id=sam, check_in_id=999_999_999) is None
