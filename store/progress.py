"""Data access for progress: a person's check-ins as plain history, and their milestones.

Every read is one query over one person's rows, and hands back plain values for the pure
logic in ``progress/``, opened with the person's key (store.sealing: one AES-GCM open per
row). What a tap or a /history page reads is bounded, whatever the
length of the history: a span of the (user, practiced_at, id) index, a count that stops
early, or named milestone keys. Only /progress and the weekly summary read longer spans.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, false, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from progress.history import Entry
from store import sealing
from store.models import CheckIn, Milestone, Note
from store.person_keys import key_of, key_to_seal
from store.sealing import PersonKey


class Place(NamedTuple):
    """Where a check-in stands in /history's order: by when it was practiced, then by row."""

    practiced_at: datetime
    id: int


def _check_ins(user_id: int, *, notes: bool = True) -> Select[Any]:
    """A person's check-ins, each with whether a note belongs to it (or, without `notes`,
    with none: a read that needs no notes does not join them)."""
    columns = (CheckIn.id, CheckIn.sealed, CheckIn.practiced_at)
    if not notes:
        return select(*columns, false()).where(CheckIn.user_id == user_id)
    return (
        select(*columns, Note.id.is_not(None))
        .outerjoin(Note, Note.check_in_id == CheckIn.id)
        .where(CheckIn.user_id == user_id)
    )


async def _opened(
    session: AsyncSession, user_id: int, query: Select[Any]
) -> list[tuple[int, Entry]]:
    """The rows of ``query`` (from ``_check_ins``) as (check-in id, entry), opened with the
    person's key; none while they have no key (nothing of theirs was ever sealed)."""
    key = await key_of(session, user_id=user_id)
    if key is None:
        return []
    return [(int(row[0]), _entry(key, row)) for row in await session.execute(query)]


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
    return [entry for _, entry in await _opened(session, user_id, query)]


async def place_of(session: AsyncSession, *, user_id: int, check_in_id: int) -> Place | None:
    """Where one of the person's own check-ins stands; None for a row that is not theirs."""
    row = (
        await session.execute(
            select(CheckIn.practiced_at, CheckIn.id).where(
                CheckIn.id == check_in_id, CheckIn.user_id == user_id
            )
        )
    ).first()
    return None if row is None else Place(row.practiced_at, int(row.id))


async def older_check_ins(
    session: AsyncSession, *, user_id: int, than: Place | None, limit: int
) -> list[tuple[int, Entry]]:
    """Up to ``limit`` of the person's check-ins just before ``than`` (from the newest if
    None), as (check-in id, entry), newest first: one walk down the index."""
    query = _check_ins(user_id)
    if than is not None:
        # The plain bound on practiced_at is the index's range; the OR only settles ties.
        query = query.where(
            CheckIn.practiced_at <= than.practiced_at,
            or_(CheckIn.practiced_at < than.practiced_at, CheckIn.id < than.id),
        )
    query = query.order_by(CheckIn.practiced_at.desc(), CheckIn.id.desc()).limit(limit)
    return await _opened(session, user_id, query)


async def newer_check_ins(
    session: AsyncSession, *, user_id: int, than: Place, limit: int
) -> list[tuple[int, Entry]]:
    """Up to ``limit`` of the person's check-ins just after ``than``, as (check-in id,
    entry), newest first: one walk up the index."""
    query = (
        _check_ins(user_id)
        .where(
            CheckIn.practiced_at >= than.practiced_at,
            or_(CheckIn.practiced_at > than.practiced_at, CheckIn.id > than.id),
        )
        .order_by(CheckIn.practiced_at, CheckIn.id)
        .limit(limit)
    )
    return (await _opened(session, user_id, query))[::-1]


# Built once from the table's own columns: a plain read, no ORM entities, and the
# compiled cache is hit without the statement being built again for every tap.
_checks = CheckIn.__table__.c
_PRACTICED_BEFORE = select(_checks.sealed, _checks.practiced_at).where(
    _checks.user_id == bindparam("user_id"),
    _checks.practice_tag == bindparam("practice_tag"),
    _checks.practiced_at >= bindparam("since"),
    _checks.practiced_at <= bindparam("until"),
    _checks.id != bindparam("check_in_id"),
)


async def practiced_before(
    session: AsyncSession, *, check_in: CheckIn, since: datetime
) -> list[Entry]:
    """The person's other check-ins of ``check_in``'s practice practiced from ``since`` up
    to its instant (those at the same instant included): by the practice's tag, a span of
    the index with only that practice's rows, however long the history and however many
    practices. Growth, the one reader, compares a practice only with itself.

    Notes are not joined, so no entry has one: PostgreSQL would hash every note in the
    table to join a few weeks of check-ins, and growth reads no notes."""
    key = await key_of(session, user_id=check_in.user_id)
    if key is None:
        return []
    rows = await session.execute(
        _PRACTICED_BEFORE,
        {
            "user_id": check_in.user_id,
            "practice_tag": key.practice_tag(check_in.ritual_key),
            "since": since,
            "until": check_in.practiced_at,
            "check_in_id": check_in.id,
        },
    )
    entries = []
    for sealed, practiced_at in rows:
        ritual_key, rating = key.open_check_in(sealed)
        entries.append(Entry(ritual_key, rating, practiced_at))
    return entries


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


# The people found with no milestone held back (read with the reached ones), each with the
# transaction that found it, in the session's info: within that transaction their release
# has nothing to hand back, and skips its UPDATE.
_NONE_HELD = "attune.none_held"
_marks = Milestone.__table__.c
_REACHED = select(_marks.tag, _marks.held).where(
    _marks.user_id == bindparam("user_id"),
    or_(_marks.tag.in_(bindparam("tags", expanding=True)), _marks.held),
)


async def reached_among(
    session: AsyncSession, *, user_id: int, keys: Iterable[str]
) -> frozenset[str]:
    """Which of these milestone keys the person has reached: a lookup of each by its
    unique (user, tag) entry, however many milestones the person has.

    The same read finds whether any milestone is held back (a hard night's, a few at
    most), so that ``release_held`` knows when it has nothing to do."""
    wanted = sorted(set(keys))
    person = await key_of(session, user_id=user_id) if wanted else None
    if person is None:
        return frozenset()
    tags = {person.tag(key): key for key in wanted}
    rows = (await session.execute(_REACHED, {"user_id": user_id, "tags": list(tags)})).all()
    none_held: dict[int, object] = session.info.setdefault(_NONE_HELD, {})
    if any(held for _, held in rows):
        none_held.pop(user_id, None)
    else:
        none_held[user_id] = session.sync_session.get_transaction()
    return frozenset(tags[bytes(tag)] for tag, _ in rows if bytes(tag) in tags)


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
    if held:
        session.info.get(_NONE_HELD, {}).pop(user_id, None)
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

    One UPDATE ... RETURNING, so when two taps race each held milestone is handed to one;
    none when this transaction's ``reached_among`` found nothing held (one held by another
    transaction since then waits for the next rating that releases).
    """
    key = await key_of(session, user_id=user_id)
    if key is None or _none_held(session, user_id):
        return []
    rows = await session.execute(
        update(Milestone)
        .where(Milestone.user_id == user_id, Milestone.held)
        .values(held=False)
        .returning(Milestone.id, Milestone.sealed_key)
        .execution_options(synchronize_session=False)
    )
    return [key.open_text(sealed, sealing.MILESTONE) for _, sealed in sorted(rows.tuples())]


def _none_held(session: AsyncSession, user_id: int) -> bool:
    """True if this very transaction found the person with nothing held back."""
    found = session.info.get(_NONE_HELD, {}).get(user_id)
    return found is not None and found is session.sync_session.get_transaction()


async def milestone_id(session: AsyncSession, *, user_id: int, key: str) -> int | None:
    """The row id of the person's milestone `key` (by its tag), or None."""
    person = await key_of(session, user_id=user_id)
    if person is None:
        return None
    found = await session.scalar(
        select(Milestone.id).where(Milestone.user_id == user_id, Milestone.tag == person.tag(key))
    )
    return int(found) if found is not None else None


async def milestone_key(session: AsyncSession, *, user_id: int, milestone_id: int) -> str | None:
    """The key of the person's own milestone row `milestone_id`; None if it is not theirs."""
    person = await key_of(session, user_id=user_id)
    sealed = await session.scalar(
        select(Milestone.sealed_key).where(
            Milestone.id == milestone_id, Milestone.user_id == user_id
        )
    )
    if person is None or sealed is None:
        return None
    return person.open_text(sealed, sealing.MILESTONE)
