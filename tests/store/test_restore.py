"""Merging an imported history into a person's rows (store.restore), on each database: what
the person has is kept once, nothing of the file is lost, and past the notes cap nothing is
added at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import session_factory
from store.models import CheckIn, Milestone, Note, User
from store.restore import (
    Added,
    History,
    PastCheckIn,
    PastMilestone,
    PastNote,
    TooManyNotes,
    restore,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(days=3)


def _seal(text: str) -> str:
    return f"sealed:{text}"


def _open(body: str) -> str:
    if not body.startswith("sealed:"):
        raise ValueError("no key opens it")
    return body.removeprefix("sealed:")


def _check_in(ref: int, at: datetime, rating: int = 4) -> PastCheckIn:
    return PastCheckIn(ref, "breath", rating, None, at, at, at)


async def _person(engine: AsyncEngine) -> int:
    """Sam, with one check-in (and its note), one note no key opens, and one milestone."""
    async with session_factory(engine)() as session, session.begin():
        user = User(telegram_id=1, chat_id=1, created_at=NOW)
        session.add(user)
        await session.flush()
        check_in = CheckIn(
            user_id=user.id, ritual_key="breath", rating=2, practiced_at=EARLIER,
            created_at=EARLIER, updated_at=EARLIER,
        )  # fmt: skip
        session.add(check_in)
        await session.flush()
        session.add_all([
            Note(user_id=user.id, check_in_id=check_in.id, body=_seal("mine"), created_at=EARLIER),
            Note(user_id=user.id, body="lost key", created_at=EARLIER),
            Milestone(user_id=user.id, key="first:breath", reached_at=EARLIER),
        ])  # fmt: skip
        return user.id


async def _restore(engine: AsyncEngine, user_id: int, history: History, cap: int = 100) -> Added:
    async with session_factory(engine)() as session, session.begin():
        return await restore(
            session, user_id=user_id, history=history, encrypt=_seal, decrypt=_open,
            notes_in_all=cap,
        )  # fmt: skip


async def test_what_the_person_has_is_kept_once_and_nothing_of_the_file_is_lost(
    engine: AsyncEngine,
) -> None:
    user_id = await _person(engine)
    history = History(
        check_ins=[_check_in(7, EARLIER, rating=5), _check_in(8, NOW), _check_in(9, NOW)],
        notes=[
            PastNote(7, "breath", "from the file", NOW),  # its check-in has a note here
            PastNote(8, "breath", "new words", NOW),
            PastNote(None, None, "mine", EARLIER),  # the same words, the same moment
        ],
        milestones=[
            PastMilestone("first:breath", NOW, held=True),
            PastMilestone("total_3", NOW, held=False),
            PastMilestone("total_3", EARLIER, held=True),
        ],
    )
    assert await _restore(engine, user_id, history) == Added(check_ins=1, notes=2, milestones=1)
    async with session_factory(engine)() as session:
        check_ins = list(await session.scalars(select(CheckIn).order_by(CheckIn.id)))
        notes = {_open(n.body): n for n in await session.scalars(select(Note)) if n.body[0] == "s"}
        milestones = {m.key: m for m in await session.scalars(select(Milestone))}
    # The check-in already here keeps its own rating; the file's two of one moment are one.
    assert [(c.rating, c.practiced_at, c.prompt_id) for c in check_ins] == [
        (2, EARLIER, None),
        (4, NOW, None),
    ]
    assert notes["mine"].check_in_id == check_ins[0].id
    assert notes["from the file"].check_in_id is None  # kept on its own, under its practice
    assert notes["from the file"].ritual_key == "breath"
    assert notes["new words"].check_in_id == check_ins[1].id
    assert milestones["first:breath"].reached_at == EARLIER  # the person's own stays
    assert (milestones["total_3"].reached_at, milestones["total_3"].held) == (NOW, False)

    # The same history once more adds nothing.
    assert await _restore(engine, user_id, history) == Added(0, 0, 0)


async def test_past_the_notes_cap_nothing_is_added(engine: AsyncEngine) -> None:
    user_id = await _person(engine)  # two notes already
    history = History(
        check_ins=[_check_in(1, NOW)],
        notes=[PastNote(None, None, "one", NOW), PastNote(None, None, "two", NOW)],
        milestones=[PastMilestone("total_3", NOW, held=False)],
    )
    with pytest.raises(TooManyNotes):
        await _restore(engine, user_id, history, cap=3)
    async with session_factory(engine)() as session:
        counts = [
            len(list(await session.scalars(select(model)))) for model in (CheckIn, Note, Milestone)
        ]
    assert counts == [1, 2, 1]
    assert await _restore(engine, user_id, history, cap=4) == Added(1, 2, 1)
