"""Merging an imported history into a person's rows (store.restore), on each database: what
the person has is kept once, nothing of the file is lost, and past the notes cap nothing is
added at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from store import sealing
from store.check_ins import add_check_in, open_check_ins
from store.db import session_factory
from store.keyring import Keyring
from store.models import CheckIn, Milestone, Note, User
from store.notes import add_note
from store.person_keys import key_of
from store.progress import add_milestones
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


def _check_in(ref: int, at: datetime, rating: int = 4) -> PastCheckIn:
    return PastCheckIn(ref, "breath", rating, None, at, at, at)


async def _person(engine: AsyncEngine, keyring: Keyring) -> int:
    """Sam, with one check-in (and its note), one note no key opens, and one milestone."""
    async with session_factory(engine, keyring)() as session, session.begin():
        user = User(telegram_id=1, chat_id=1, created_at=NOW)
        session.add(user)
        await session.flush()
        check_in = await add_check_in(
            session, user_id=user.id, ritual_key="breath", rating=2, practiced_at=EARLIER,
            now=EARLIER,
        )  # fmt: skip
        await add_note(session, user_id=user.id, text="mine", now=EARLIER, check_in_id=check_in.id)
        # A note whose sealed words are damaged: no key opens it.
        session.add(Note(user_id=user.id, sealed_body=b"\x01damaged", created_at=EARLIER))
        await add_milestones(session, user_id=user.id, keys=["first:breath"], now=EARLIER)
        return user.id


async def _restore(
    engine: AsyncEngine, keyring: Keyring, user_id: int, history: History, cap: int = 100
) -> Added:
    async with session_factory(engine, keyring)() as session, session.begin():
        return await restore(session, user_id=user_id, history=history, notes_in_all=cap)


async def _opened(
    engine: AsyncEngine, keyring: Keyring, user_id: int
) -> tuple[list[CheckIn], dict[str, tuple[int | None, str | None]], dict[str, Milestone]]:
    """The person's check-ins, notes (by words: check-in and practice) and milestones (by
    key), opened with their key; a note no key opens is left out."""
    async with session_factory(engine, keyring)() as session:
        key = await key_of(session, user_id=user_id)
        assert key is not None
        check_ins = await open_check_ins(
            session, await session.scalars(select(CheckIn).order_by(CheckIn.id))
        )
        notes = {}
        for note in await session.scalars(select(Note)):
            try:
                words = key.open_text(note.sealed_body, sealing.NOTE_BODY)
            except sealing.Unreadable:
                continue
            ritual = note.sealed_ritual
            notes[words] = (
                note.check_in_id,
                None if ritual is None else key.open_text(ritual, sealing.NOTE_RITUAL),
            )
        milestones = {
            key.open_text(m.sealed_key, sealing.MILESTONE): m
            for m in await session.scalars(select(Milestone))
        }
    return check_ins, notes, milestones


async def test_what_the_person_has_is_kept_once_and_nothing_of_the_file_is_lost(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    user_id = await _person(engine, keyring)
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
    added = await _restore(engine, keyring, user_id, history)
    assert added == Added(check_ins=1, notes=2, milestones=1)
    check_ins, notes, milestones = await _opened(engine, keyring, user_id)
    # The check-in already here keeps its own rating; the file's two of one moment are one.
    assert [(c.rating, c.practiced_at, c.prompt_id) for c in check_ins] == [
        (2, EARLIER, None),
        (4, NOW, None),
    ]
    assert notes["mine"][0] == check_ins[0].id
    assert notes["from the file"] == (None, "breath")  # kept on its own, under its practice
    assert notes["new words"][0] == check_ins[1].id
    assert milestones["first:breath"].reached_at == EARLIER  # the person's own stays
    assert (milestones["total_3"].reached_at, milestones["total_3"].held) == (NOW, False)

    # The same history once more adds nothing.
    assert await _restore(engine, keyring, user_id, history) == Added(0, 0, 0)


async def test_past_the_notes_cap_nothing_is_added(engine: AsyncEngine, keyring: Keyring) -> None:
    user_id = await _person(engine, keyring)  # two notes already
    history = History(
        check_ins=[_check_in(1, NOW)],
        notes=[PastNote(None, None, "one", NOW), PastNote(None, None, "two", NOW)],
        milestones=[PastMilestone("total_3", NOW, held=False)],
    )
    with pytest.raises(TooManyNotes):
        await _restore(engine, keyring, user_id, history, cap=3)
    async with session_factory(engine, keyring)() as session:
        counts = [
            len(list(await session.scalars(select(model)))) for model in (CheckIn, Note, Milestone)
        ]
    assert counts == [1, 2, 1]
    assert await _restore(engine, keyring, user_id, history, cap=4) == Added(1, 2, 1)
