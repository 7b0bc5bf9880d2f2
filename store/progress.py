"""Data access for progress: a person's check-ins as plain history, and their milestones.

Every read is one query over one person's rows (a person has at most a few thousand
check-ins), and hands back plain values for the pure logic in ``progress/``, opened
with the person's key (store.sealing: one AES-GCM open per row).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from progress.history import Entry
from store import sealing
from store.models import CheckIn, Milestone, Note
from store.person_keys import key_of, key_to_seal
from store.sealing import PersonKey


def _check_ins(user_id: int) -> Select[Any]:
    """A person's check-ins, each with whether a note belongs to it."""
    return (
        select(
            CheckIn.id,
            CheckIn.sealed,
            CheckIn.practiced_at,
            Note.id.is_not(None),
        )
        .outerjoin(Note, Note.check_in_id == CheckIn.id)
        .where(CheckIn.user_id == user_id)
    )


def _entry(key: PersonKey, row: Any) -> Entry:
    _, sealed, practiced_at, has_note = row
    ritual_key, rating = key.open_check_in(sealed)
    return Entry(ritual_key, rating, practiced_at, has_note=bool(has_note))


async def history(
    session: AsyncSession,
    *,
    user_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Entry]:
    """The person's check-ins, oldest first, optionally only those practiced in a span."""
    query = _check_ins(user_id).order_by(CheckIn.practiced_at, CheckIn.id)
    if since is not None:
        query = query.where(CheckIn.practiced_at >= since)
    if until is not None:
        query = query.where(CheckIn.practiced_at <= until)
    key = await key_of(session, user_id=user_id)
    if key is None:
        return []
    return [_entry(key, row) for row in await session.execute(query)]


async def history_newest_first(session: AsyncSession, *, user_id: int) -> list[tuple[int, Entry]]:
    """The person's check-ins as (check-in id, entry), newest first (ties: newest row first)."""
    query = _check_ins(user_id).order_by(CheckIn.practiced_at.desc(), CheckIn.id.desc())
    key = await key_of(session, user_id=user_id)
    if key is None:
        return []
    return [(int(row[0]), _entry(key, row)) for row in await session.execute(query)]


async def note_bodies(
    session: AsyncSession, *, user_id: int, check_in_ids: Iterable[int]
) -> dict[int, str]:
    """The notes of some of the person's check-ins, opened, by check-in id (a note that
    doesn't open is left out: its check-in shows without it)."""
    ids = list(check_in_ids)
    key = await key_of(session, user_id=user_id)
    if not ids or key is None:
        return {}
    rows = await session.execute(
        select(Note.check_in_id, Note.sealed_body).where(
            Note.user_id == user_id, Note.check_in_id.in_(ids)
        )
    )
    bodies = {}
    for check_in_id, sealed in rows:
        if check_in_id is not None:
            try:
                bodies[int(check_in_id)] = key.open_text(sealed, sealing.NOTE_BODY)
            except sealing.Unreadable:
                continue
    return bodies


async def reached_milestones(session: AsyncSession, *, user_id: int) -> frozenset[str]:
    """Every milestone key the person has reached."""
    key = await key_of(session, user_id=user_id)
    if key is None:
        return frozenset()
    rows = await session.scalars(select(Milestone.sealed_key).where(Milestone.user_id == user_id))
    return frozenset(key.open_text(sealed, sealing.MILESTONE) for sealed in rows)


async def milestones_between(
    session: AsyncSession, *, user_id: int, since: datetime, until: datetime
) -> list[str]:
    """The keys of milestones the person reached in a span, in the order they were reached."""
    key = await key_of(session, user_id=user_id)
    if key is None:
        return []
    rows = await session.scalars(
        select(Milestone.sealed_key)
        .where(
            Milestone.user_id == user_id,
            Milestone.reached_at >= since,
            Milestone.reached_at <= until,
        )
        .order_by(Milestone.reached_at, Milestone.id)
    )
    return [key.open_text(sealed, sealing.MILESTONE) for sealed in rows]


async def add_milestones(
    session: AsyncSession,
    *,
    user_id: int,
    keys: Sequence[str],
    now: datetime,
    held: bool = False,
) -> list[str]:
    """Store milestones, skipping any already stored; returns the keys this call added.

    Insert-or-ignore on the (user, tag) constraint (the tag stands for the key), so two
    transactions reaching the same milestone at once store it once, and only the one that
    stored it celebrates it. ``held`` ones are celebrated later instead, when
    ``release_held`` hands them back.
    """
    if not keys:
        return []
    person = await key_to_seal(session, user_id=user_id)
    tags = {person.tag(key): key for key in dict.fromkeys(keys)}
    rows = [
        {
            "user_id": user_id,
            "sealed_key": person.seal_text(key, sealing.MILESTONE),
            "tag": tag,
            "reached_at": now,
            "held": held,
        }
        for tag, key in tags.items()
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Milestone)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["user_id", "tag"])
        .returning(Milestone.tag)
    )
    added = {tags[bytes(tag)] for tag in await session.scalars(statement)}
    return [key for key in keys if key in added]


async def release_held(session: AsyncSession, *, user_id: int) -> list[str]:
    """The keys of the person's held-back milestones, oldest first, now no longer held.

    One UPDATE ... RETURNING, so when two taps race each held milestone is handed to one.
    """
    key = await key_of(session, user_id=user_id)
    if key is None:
        return []
    rows = await session.execute(
        update(Milestone)
        .where(Milestone.user_id == user_id, Milestone.held)
        .values(held=False)
        .returning(Milestone.id, Milestone.sealed_key)
        .execution_options(synchronize_session=False)
    )
    return [key.open_text(sealed, sealing.MILESTONE) for _, sealed in sorted(rows.tuples())]
