"""A person's data as a whole: everything for /export, and erasing all of it for /delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import CheckIn, Milestone, Note, Prompt, Subscription, User


async def collect(
    session: AsyncSession, *, user: User, decrypt: Callable[[str], str]
) -> dict[str, Any]:
    """Everything stored about `user`, as plain JSON-able values; notes decrypted.

    A note no configured key opens (`decrypt` raises ValueError) is marked unreadable, with
    no text, so one lost key never costs the person the rest of their export.
    """
    subs = list(await session.scalars(select(Subscription).where(Subscription.user_id == user.id)))
    prompts = list(
        await session.scalars(
            select(Prompt)
            .join(Subscription)
            .where(Subscription.user_id == user.id)
            .order_by(Prompt.due_at)
        )
    )
    check_ins = list(
        await session.scalars(
            select(CheckIn).where(CheckIn.user_id == user.id).order_by(CheckIn.practiced_at)
        )
    )
    notes = list(
        await session.scalars(select(Note).where(Note.user_id == user.id).order_by(Note.id))
    )
    milestones = list(
        await session.scalars(
            select(Milestone).where(Milestone.user_id == user.id).order_by(Milestone.id)
        )
    )
    ritual_of = {s.id: s.ritual_key for s in subs}
    return {
        "person": {
            "telegram_id": user.telegram_id,
            "locale": user.locale,
            "timezone": user.timezone,
            "help_line_country": user.country,
            "discreet": user.discreet,
            "adult_confirmed_at": _iso(user.adult_confirmed_at),
            "consented_at": _iso(user.consented_at),
            "paused_until": _iso(user.paused_until),
            "created_at": _iso(user.created_at),
        },
        "practices": [
            {
                "ritual": s.ritual_key,
                "local_time": s.local_time,
                "weekdays": [int(d) for d in s.weekdays],
                "active": s.active,
                "paused_until": _iso(s.paused_until),
                "next_due_at": _iso(s.next_due_at),
                # Gentle pacing: prompts left without a tap since the last one, and when
                # Attune last asked about this practice's pace.
                "prompts_without_a_tap_lately": s.unanswered,
                "pace_asked_about_at": _iso(s.pacing_asked_at),
            }
            for s in subs
        ],
        "prompts": [
            {
                "id": p.id,
                "ritual": ritual_of.get(p.subscription_id),
                "due_at": _iso(p.due_at),
                "sent_at": _iso(p.sent_at),
                "state": str(p.state),
            }
            for p in prompts
        ],
        "check_ins": [
            {
                "id": c.id,
                "prompt_id": c.prompt_id,
                "ritual": c.ritual_key,
                "rating": c.rating,
                "step_named": c.win,
                "practiced_at": _iso(c.practiced_at),
                "created_at": _iso(c.created_at),
            }
            for c in check_ins
        ],
        "notes": [
            {
                "check_in_id": n.check_in_id,
                "ritual": n.ritual_key,
                **_note_text(n.body, decrypt),
                "written_at": _iso(n.created_at),
            }
            for n in notes
        ],
        "milestones": [{"key": m.key, "reached_at": _iso(m.reached_at)} for m in milestones],
    }


async def erase(session: AsyncSession, *, user_id: int) -> None:
    """Delete every row about the person: the user row, and by cascade all the rest.

    Each table is emptied explicitly too, so nothing depends on the database enforcing
    ON DELETE CASCADE.
    """
    sub_ids = select(Subscription.id).where(Subscription.user_id == user_id)
    await session.execute(delete(Note).where(Note.user_id == user_id))
    await session.execute(delete(Milestone).where(Milestone.user_id == user_id))
    await session.execute(delete(CheckIn).where(CheckIn.user_id == user_id))
    await session.execute(delete(Prompt).where(Prompt.subscription_id.in_(sub_ids)))
    await session.execute(delete(Subscription).where(Subscription.user_id == user_id))
    await session.execute(delete(User).where(User.id == user_id))


async def scrub_sqlite(session: AsyncSession) -> None:
    """On SQLite, move committed deletions out of the write-ahead log into the zeroed file.

    With secure_delete on, erased rows are overwritten in the database file; truncating
    the WAL removes the older page images that still held them.
    """
    if session.bind.dialect.name == "sqlite":
        await session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def _note_text(body: str, decrypt: Callable[[str], str]) -> dict[str, Any]:
    try:
        return {"text": decrypt(body), "unreadable": False}
    except ValueError:
        return {"text": None, "unreadable": True}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
