"""Data access for notes: sealed with their author's key, opened for their author only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store import sealing
from store.models import Note, User
from store.person_keys import key_to_seal

# Notes longer than this are refused (with their length) and not stored.
MAX_NOTE_CHARS = 1000


async def add_note(
    session: AsyncSession,
    *,
    user_id: int,
    text: str,
    now: datetime,
    check_in_id: int | None = None,
    ritual_key: str | None = None,
) -> Note:
    """Store a note, sealed; a note for a check-in replaces that check-in's note."""
    if len(text) > MAX_NOTE_CHARS:
        raise ValueError("note too long")
    key = await key_to_seal(session, user_id=user_id)
    note = None
    if check_in_id is not None:
        note = await session.scalar(select(Note).where(Note.check_in_id == check_in_id))
    if note is None:
        sealed_ritual = (
            None if ritual_key is None else key.seal_text(ritual_key, sealing.NOTE_RITUAL)
        )
        note = Note(user_id=user_id, check_in_id=check_in_id, sealed_ritual=sealed_ritual)
        session.add(note)
    note.sealed_body = key.seal_text(text, sealing.NOTE_BODY)
    note.created_at = now
    await session.flush()
    return note


async def note_cap(
    session: AsyncSession,
    *,
    user_id: int,
    now: datetime,
    check_in_id: int | None,
    per_day: int,
    in_all: int,
) -> Literal["day", "all"] | None:
    """Which cap a new note would pass: the day's (the last 24 hours) or the total; None
    when there is room. New words for a check-in that has a note replace it, adding none."""
    if check_in_id is not None:
        replaced = await session.scalar(select(Note.id).where(Note.check_in_id == check_in_id))
        if replaced is not None:
            return None
    mine = select(func.count()).select_from(Note).where(Note.user_id == user_id)
    if (await session.scalar(mine) or 0) >= in_all:
        return "all"
    today = await session.scalar(mine.where(Note.created_at > now - timedelta(days=1)))
    return "day" if (today or 0) >= per_day else None


async def expire_notes(session: AsyncSession, *, now: datetime) -> int:
    """Erase notes older than their author's chosen retention; returns how many."""
    expired = 0
    days_chosen = select(User.note_retention_days).where(User.note_retention_days.is_not(None))
    for days in {d for d in await session.scalars(days_chosen.distinct()) if d is not None}:
        authors = select(User.id).where(User.note_retention_days == days)
        result = await session.execute(
            delete(Note).where(
                Note.user_id.in_(authors), Note.created_at < now - timedelta(days=days)
            )
        )
        expired += result.rowcount or 0  # type: ignore[attr-defined]
    return expired
