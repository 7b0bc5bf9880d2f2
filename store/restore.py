"""A person's history brought back from an /export file (bot.export_reader checks it first):
the one place that builds check-in, note and milestone rows from it.

Merging adds nothing twice: a check-in the person already has (same practice, same moment)
is kept once, a note already there (same moment, same words) too, and a milestone is
unique by its key. So importing one file twice adds nothing the second time. Check-ins
come back on their own, without the prompts they answered (prompts were messages in a
chat that is gone). Everything happens in the caller's transaction: the caller's rollback
leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from store import sealing
from store.check_ins import sealed_practice
from store.models import CheckIn, Milestone, Note
from store.person_keys import key_to_seal
from store.sealing import PersonKey


@dataclass(frozen=True, slots=True)
class PastCheckIn:
    """A check-in as the file holds it; `ref` is its id in the file, which notes name."""

    ref: int
    ritual_key: str
    rating: int
    win: str | None
    practiced_at: datetime
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PastNote:
    """A note as the file holds it, with the file's id of its check-in, if it has one."""

    check_in_ref: int | None
    ritual_key: str | None
    text: str
    written_at: datetime


@dataclass(frozen=True, slots=True)
class PastMilestone:
    """A milestone as the file holds it."""

    key: str
    reached_at: datetime
    held: bool


@dataclass(frozen=True, slots=True)
class History:
    """Everything of a person's history a file brings back."""

    check_ins: Sequence[PastCheckIn]
    notes: Sequence[PastNote]
    milestones: Sequence[PastMilestone]


@dataclass(frozen=True, slots=True)
class Added:
    """How many of each the merge added (what the person already had is not counted)."""

    check_ins: int
    notes: int
    milestones: int


# Rows per milestone INSERT: 4 values each, far below both databases' limit on bound values.
_SLICE = 1000


class TooManyNotes(ValueError):
    """The merge would take the person past the notes they may keep in all."""


async def restore(
    session: AsyncSession,
    *,
    user_id: int,
    history: History,
    notes_in_all: int,
) -> Added:
    """Merge `history` into the person's rows, sealed with their key (made now if they have
    none); TooManyNotes (nothing added) past the cap.

    Check-ins are compared by practice and moment and notes by their words, so the person's
    own are opened here; one no key opens is never equal to an imported one.
    """
    key = await key_to_seal(session, user_id=user_id)
    check_in_ids, check_ins = await _merge_check_ins(
        session, key, user_id=user_id, past=history.check_ins
    )
    notes = await _new_notes(
        session, key, user_id=user_id, past=history.notes, check_in_ids=check_in_ids
    )
    mine = select(func.count()).select_from(Note).where(Note.user_id == user_id)
    had = await session.scalar(mine) or 0
    if had + len(notes) > notes_in_all:
        raise TooManyNotes(notes_in_all)
    if notes:  # one executemany: rows built here, no ORM objects to track
        await session.execute(
            insert(Note),
            [
                {
                    "user_id": user_id,
                    "check_in_id": check_in_id,
                    "sealed_ritual": None
                    if item.ritual_key is None
                    else key.seal_text(item.ritual_key, sealing.NOTE_RITUAL),
                    "sealed_body": key.seal_text(item.text, sealing.NOTE_BODY),
                    "created_at": item.written_at,
                }
                for item, check_in_id in notes
            ],
        )
    milestones = await _add_milestones(session, key, user_id=user_id, past=history.milestones)
    return Added(check_ins=check_ins, notes=len(notes), milestones=milestones)


async def _merge_check_ins(
    session: AsyncSession, key: PersonKey, *, user_id: int, past: Sequence[PastCheckIn]
) -> tuple[dict[int, int], int]:
    """Add the check-ins the person does not have. Returns the row id each of the file's
    refs now names, and how many were added."""
    have = await _check_in_ids(session, key, user_id=user_id)
    added: dict[tuple[str, datetime], dict[str, object]] = {}
    for item in past:
        moment = (item.ritual_key, item.practiced_at)
        if moment not in have and moment not in added:
            added[moment] = {
                "user_id": user_id,
                "prompt_id": None,
                **sealed_practice(key, item.ritual_key, item.rating),
                "sealed_win": None if item.win is None else key.seal_text(item.win, sealing.WIN),
                "practiced_at": item.practiced_at,
                "created_at": item.created_at,
                "updated_at": item.updated_at,
            }
    if added:
        # One executemany (the ORM would insert row by row to learn each id), then the
        # ids read back by practice and moment.
        await session.execute(insert(CheckIn), list(added.values()))
        have = await _check_in_ids(session, key, user_id=user_id)
    refs = {item.ref: have[(item.ritual_key, item.practiced_at)] for item in past}
    return refs, len(added)


async def _check_in_ids(
    session: AsyncSession, key: PersonKey, *, user_id: int
) -> dict[tuple[str, datetime], int]:
    """The person's check-ins' ids by practice and moment (each opened to learn its practice)."""
    rows = await session.execute(
        select(CheckIn.sealed, CheckIn.practiced_at, CheckIn.id).where(CheckIn.user_id == user_id)
    )
    return {(key.open_check_in(sealed)[0], at): row_id for sealed, at, row_id in rows}


async def _new_notes(
    session: AsyncSession,
    key: PersonKey,
    *,
    user_id: int,
    past: Sequence[PastNote],
    check_in_ids: dict[int, int],
) -> list[tuple[PastNote, int | None]]:
    """The notes the person does not have yet, each with the check-in it belongs to: the
    one its file ref now names, unless that check-in has a note already (then it is kept
    on its own, under its practice, rather than lost)."""
    rows = await session.execute(
        select(Note.check_in_id, Note.sealed_body, Note.created_at).where(Note.user_id == user_id)
    )
    have: set[tuple[datetime, str]] = set()
    with_note: set[int] = set()
    for check_in_id, body, written_at in rows:
        if check_in_id is not None:
            with_note.add(check_in_id)
        try:
            have.add((written_at, key.open_text(body, sealing.NOTE_BODY)))
        except sealing.Unreadable:  # a note no key opens equals no imported one
            continue
    new: list[tuple[PastNote, int | None]] = []
    for item in past:
        if (item.written_at, item.text) in have:
            continue
        have.add((item.written_at, item.text))
        check_in_id = None if item.check_in_ref is None else check_in_ids[item.check_in_ref]
        if check_in_id in with_note:
            check_in_id = None
        if check_in_id is not None:
            with_note.add(check_in_id)
        new.append((item, check_in_id))
    return new


async def _add_milestones(
    session: AsyncSession, key: PersonKey, *, user_id: int, past: Sequence[PastMilestone]
) -> int:
    """Add the milestones the person has not reached yet; returns how many.

    Insert-or-ignore on the (user, tag) constraint (the tag stands for the key), as
    store.progress.add_milestones does: a tap reaching one of them meanwhile keeps its own.
    In slices, within what one statement may bind on either database.
    """
    rows: dict[str, dict[str, object]] = {}
    for item in past:  # the first of one key in the file is the one kept
        rows.setdefault(
            item.key,
            {
                "user_id": user_id,
                "sealed_key": key.seal_text(item.key, sealing.MILESTONE),
                "tag": key.tag(item.key),
                "reached_at": item.reached_at,
                "held": item.held,
            },
        )
    dialect = session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values, added = list(rows.values()), 0
    for start in range(0, len(values), _SLICE):
        keys = await session.scalars(
            upsert(Milestone)
            .values(values[start : start + _SLICE])
            .on_conflict_do_nothing(index_elements=["user_id", "tag"])
            .returning(Milestone.tag)
        )
        added += len(list(keys))
    return added
