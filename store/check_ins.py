"""Data access for check-ins: the ratings people give, sealed with their own key.

Every check-in handed out here is opened: its `ritual_key`, `rating` and `win` are set
from the sealed columns, so the rest of the code reads them as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple, cast

from sqlalchemy import Table, and_, bindparam, func, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from store import sealing
from store.db import write_now
from store.models import CheckIn, Prompt, PromptState
from store.pacing import touched
from store.person_keys import KeyGone, key_of, key_to_seal
from store.sealing import PersonKey

# Where `before` keeps what it read, in the session's info.
_BEFORE_KEY = "attune.before_check_in"


class Previous(NamedTuple):
    """What a check-in needs of the one made before it."""

    rating: int
    created_at: datetime


async def rate_prompt(
    session: AsyncSession, *, prompt: Prompt, user_id: int, rating: int, now: datetime
) -> tuple[CheckIn, bool]:
    """Store the rating for a prompt; a second tap changes it. Returns (check-in, is_new)."""
    key = await key_to_seal(session, user_id=user_id)
    ritual_key = prompt.subscription.ritual_key
    # A prompt has a check-in only once it is answered (they are stored together, and an
    # answered prompt stays answered), so a first rating looks for none.
    check_in = None
    if prompt.state == PromptState.ANSWERED:
        check_in = await session.scalar(select(CheckIn).where(CheckIn.prompt_id == prompt.id))
    if prompt.state != PromptState.ANSWERED or prompt.snoozed_until is not None:
        # A snoozed prompt rated meanwhile does not come back.
        await write_now(session, prompt, state=PromptState.ANSWERED, snoozed_until=None)
    if prompt.subscription.unanswered:
        touched(prompt.subscription)  # even a late answer: the practice found its moment
    if check_in is not None:
        opened(key, check_in)
        check_in.sealed = key.seal_check_in(check_in.ritual_key, rating)
        check_in.rating = rating
        check_in.updated_at = now
        await session.flush()
        return check_in, False
    check_in = await add_check_in(
        session,
        user_id=user_id,
        ritual_key=ritual_key,
        rating=rating,
        practiced_at=prompt.due_at,
        now=now,
        prompt_id=prompt.id,
    )
    return check_in, True


async def add_check_in(
    session: AsyncSession,
    *,
    user_id: int,
    ritual_key: str,
    rating: int,
    practiced_at: datetime,
    now: datetime,
    prompt_id: int | None = None,
) -> CheckIn:
    """Store a new check-in, sealed with the person's key (made now if they have none).

    One INSERT of its own, not the ORM's unit of work (a rating tap's largest Python cost,
    benchmarks/bench_tap.py); the row then joins the session as stored, so a later change
    to it is an UPDATE as usual."""
    key = await key_to_seal(session, user_id=user_id)
    values = {
        "user_id": user_id,
        "prompt_id": prompt_id,
        **sealed_practice(key, ritual_key, rating),
        "practiced_at": practiced_at,
        "created_at": now,
        "updated_at": now,
        "sealed_win": None,
    }
    row_id = (await session.execute(_INSERT, values)).scalar_one()
    check_in = CheckIn(id=row_id, **values)
    make_transient_to_detached(check_in)
    session.add(check_in)
    check_in.ritual_key, check_in.rating, check_in.win = ritual_key, rating, None
    return check_in


# The table's own INSERT: the ORM's (insert(CheckIn)) would run its bulk machinery for a row.
_INSERT = insert(cast(Table, CheckIn.__table__)).returning(CheckIn.__table__.c.id)


async def get_check_in(session: AsyncSession, *, check_in_id: int) -> CheckIn | None:
    """One check-in by id, opened (None if it doesn't exist, or its key is gone)."""
    check_in = await session.get(CheckIn, check_in_id)
    if check_in is None:
        return None
    try:
        key = await key_of(session, user_id=check_in.user_id)
    except KeyGone:
        return None  # erased a moment from now: as good as gone already
    if key is None:
        return None
    return opened(key, check_in)


async def open_check_ins(session: AsyncSession, check_ins: Iterable[CheckIn]) -> list[CheckIn]:
    """`check_ins` (rows of one person) opened with that person's key."""
    rows = list(check_ins)
    if not rows:
        return rows
    key = await key_of(session, user_id=rows[0].user_id)
    if key is None:
        raise KeyGone
    return [opened(key, row) for row in rows]


def sealed_practice(key: PersonKey, ritual_key: str, rating: int) -> dict[str, bytes]:
    """A new check-in's sealed columns: its practice and rating sealed together, and the
    practice's tag, without which the row is missing from its practice's growth window."""
    return {
        "sealed": key.seal_check_in(ritual_key, rating),
        "practice_tag": key.practice_tag(ritual_key),
    }


def opened(key: PersonKey, check_in: CheckIn) -> CheckIn:
    """Set the check-in's plain values from its sealed columns."""
    check_in.ritual_key, check_in.rating = key.open_check_in(check_in.sealed)
    check_in.win = (
        None if check_in.sealed_win is None else key.open_text(check_in.sealed_win, sealing.WIN)
    )
    return check_in


class Before(NamedTuple):
    """What a new check-in needs of the person's check-ins before it, read at once."""

    previous: Previous | None  # the one made just before it, if any
    total: int  # how many the person has, this one included, counted no further than asked


_checks = CheckIn.__table__.c
_SAME_PERSON = _checks.user_id == bindparam("user_id")
_EARLIER = or_(
    _checks.created_at < bindparam("created_at"),
    and_(_checks.created_at == bindparam("created_at"), _checks.id < bindparam("id")),
)
_STEP_BACK = (
    select(_checks.sealed, _checks.created_at)
    .where(_SAME_PERSON, _EARLIER)
    .order_by(_checks.created_at.desc(), _checks.id.desc())
    .limit(1)
)
# In (user, created_at) index order, so the database walks that index: a scan of the
# table that stops once `up_to` rows turn up would read everyone's rows before them.
_FIRST_FEW = (
    select(literal(1))
    .where(_SAME_PERSON)
    .order_by(_checks.created_at)
    .limit(bindparam("up_to"))
    .subquery()
)
# One statement, built once: the step back in the (user, created_at) index (its two
# columns, each a scalar subquery) and the count that stops early.
_BEFORE = select(
    _STEP_BACK.with_only_columns(_checks.sealed).scalar_subquery(),
    _STEP_BACK.with_only_columns(_checks.created_at).scalar_subquery(),
    select(func.count()).select_from(_FIRST_FEW).scalar_subquery(),
)


async def before(session: AsyncSession, *, check_in: CheckIn, count_up_to: int) -> Before:
    """The person's check-in made just before ``check_in`` (one step back in the (user,
    created_at) index) and how many they have (counting no further than ``count_up_to``),
    however long the person's history: one statement.

    Read once per session: a rating asks twice (is it a hard night, what did it reach), and
    the answer cannot change within the update's one transaction."""
    known: dict[tuple[int, int], Before] = session.info.setdefault(_BEFORE_KEY, {})
    if (check_in.id, count_up_to) not in known:
        known[check_in.id, count_up_to] = await _before(session, check_in, count_up_to)
    return known[check_in.id, count_up_to]


async def _before(session: AsyncSession, check_in: CheckIn, count_up_to: int) -> Before:
    values = {
        "user_id": check_in.user_id,
        "created_at": check_in.created_at,
        "id": check_in.id,
        "up_to": count_up_to,
    }
    sealed, created_at, total = (await session.execute(_BEFORE, values)).one()
    if sealed is None:
        return Before(None, int(total))
    key = await key_of(session, user_id=check_in.user_id)
    if key is None:
        raise KeyGone
    return Before(Previous(key.open_check_in(sealed)[1], created_at), int(total))


async def name_win(session: AsyncSession, *, check_in: CheckIn, kind: str) -> bool:
    """Store the kind of step named with a check-in; False if one was named already.

    One UPDATE ... WHERE sealed_win IS NULL, so of two taps at once only one names it.
    """
    key = await key_to_seal(session, user_id=check_in.user_id)
    sealed = key.seal_text(kind, sealing.WIN)
    named = await session.scalar(
        update(CheckIn)
        .where(CheckIn.id == check_in.id, CheckIn.sealed_win.is_(None))
        .values(sealed_win=sealed)
        .returning(CheckIn.id)
        .execution_options(synchronize_session=False)
    )
    if named is None:
        return False
    set_committed_value(check_in, "sealed_win", sealed)
    check_in.win = kind
    return True
