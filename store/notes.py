"""Data access for notes: stored encrypted, read back decrypted for their author only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.crypto import NoteCipher
from store.models import Note, User

# Notes longer than this are refused (with their length) and not stored.
MAX_NOTE_CHARS = 1000


async def add_note(
    session: AsyncSession,
    *,
    cipher: NoteCipher,
    user_id: int,
    text: str,
    now: datetime,
    check_in_id: int | None = None,
    ritual_key: str | None = None,
) -> Note:
    """Store a note, encrypted; a note for a check-in replaces that check-in's note."""
    if len(text) > MAX_NOTE_CHARS:
        raise ValueError("note too long")
    note = None
    if check_in_id is not None:
        note = await session.scalar(select(Note).where(Note.check_in_id == check_in_id))
    if note is None:
        note = Note(user_id=user_id, check_in_id=check_in_id, ritual_key=ritual_key)
        session.add(note)
    note.body = cipher.encrypt(text)
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


async def rotate_notes(session: AsyncSession, *, cipher: NoteCipher, batch: int = 500) -> int:
    """Re-encrypt every note under the cipher's first key; returns how many."""
    done = 0
    last_id = 0
    while True:
        notes = list(
            await session.scalars(
                select(Note).where(Note.id > last_id).order_by(Note.id).limit(batch)
            )
        )
        if not notes:
            return done
        for note in notes:
            note.body = cipher.rotate(note.body)
        await session.flush()
        done += len(notes)
        last_id = notes[-1].id


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
