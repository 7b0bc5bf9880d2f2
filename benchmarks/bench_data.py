"""Building benchmark databases fast: the real schema (Alembic), rows made by the database.

Rows come from one `INSERT … SELECT` per table over a recursive CTE (SQLite) or
`generate_series` (PostgreSQL), so a million subscriptions take seconds, not minutes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from bench_common import CHAT_BASE, NOW
from sqlalchemy import insert, make_url, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from messages import rituals
from messages.consent import CONSENT_VERSION
from store import sealing
from store.crypto import DataKey
from store.database_url import keyring_beside
from store.db import create_engine, migrate, session_factory
from store.keyring import open_keyring
from store.models import CheckIn, Note
from store.person_keys import key_to_seal, prepare
from store.progress import add_milestones

WEEK_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class People:
    """`users` people with `per_user` subscriptions each; every `due_every`-th is due."""

    users: int
    per_user: int = 1
    due_every: int = 1  # 0: none is due; the others fall due within the next week
    due_at: datetime = NOW
    first_user: int = 1
    local_time: str = "22:00"  # in Europe/Berlin, so NOW is this time's instant

    @property
    def subscriptions(self) -> int:
        """How many subscription rows this group adds."""
        return self.users * self.per_user


def sqlite_url(path: Path) -> str:
    """The async URL of a SQLite file."""
    return f"sqlite+aiosqlite:///{path}"


async def build(url: str, *groups: People) -> float:
    """Make `url` a fresh, migrated database holding `groups`; returns seconds taken."""
    started = time.perf_counter()
    await reset(url)
    engine = create_engine(url)
    try:
        await migrate(engine)
        async with engine.begin() as conn:
            for group in groups:
                await _insert(conn, group)
        if not url.startswith("sqlite"):
            async with engine.connect() as conn:
                await conn.execute(text("ANALYZE"))  # what autovacuum would soon do
    finally:
        await engine.dispose()
    return time.perf_counter() - started


def keyring_url(url: str) -> str:
    """The keyring of a benchmark database: the file beside SQLite (as `attune run` makes
    it), or `<name>_keyring` on the same PostgreSQL server."""
    beside = keyring_beside(url)
    if beside is not None:
        return beside
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_keyring").render_as_string(False)


async def reset(url: str) -> None:
    """Delete a SQLite file, or empty a PostgreSQL database (creating it if need be); and
    the keyring beside it, which would otherwise belong to the data deleted."""
    await _reset(url)
    await _reset(keyring_url(url))


async def _reset(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database is not None
        _remove_sqlite(parsed.database)
        return
    plain = parsed.set(drivername="postgresql")
    admin = await asyncpg.connect(plain.set(database="postgres").render_as_string(False))
    try:
        exists = await admin.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", parsed.database
        )
        if not exists:
            await admin.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(plain.render_as_string(False))
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()


def _remove_sqlite(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)


async def ensure_databases(url: str) -> None:
    """The benchmark's own PostgreSQL databases (data and keyring), created if the server
    answers but they do not exist yet, as on a fresh machine."""
    for each in (url, keyring_url(url)):
        plain = make_url(each).set(drivername="postgresql")
        try:
            await (await asyncpg.connect(plain.render_as_string(False))).close()
        except asyncpg.InvalidCatalogNameError:
            admin = await asyncpg.connect(plain.set(database="postgres").render_as_string(False))
            try:
                await admin.execute(f'CREATE DATABASE "{plain.database}"')
            finally:
                await admin.close()


async def database_version(url: str) -> str:
    """The server's version string (PostgreSQL) for the machine header."""
    plain = make_url(url).set(drivername="postgresql").render_as_string(False)
    conn = await asyncpg.connect(plain)
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


async def _insert(conn: AsyncConnection, group: People) -> None:
    sqlite = conn.dialect.name == "sqlite"
    if group.per_user > len(rituals()):
        raise ValueError("one subscription per ritual at most")
    due_every = group.due_every or group.subscriptions + 1
    params: dict[str, Any] = {
        "first": group.first_user,
        "users": group.users,
        "subs": group.subscriptions,
        "per_user": group.per_user,
        "due_every": due_every,
        "chat_base": CHAT_BASE,
        "now": _stamp(NOW, sqlite),
        "due": _stamp(group.due_at, sqlite),
        "week": WEEK_SECONDS,
        "local_time": group.local_time,
        "consent_version": CONSENT_VERSION,
    }
    sql = _SQLITE if sqlite else _POSTGRES
    await conn.execute(text(sql["users"]), params)
    await conn.execute(text(sql["subscriptions"].replace("{ritual}", _ritual_case(group))), params)


async def add_history(
    url: str,
    group: People,
    *,
    each: int,
    end: datetime,
    note_text: str,
    reached: list[str],
    data_key: DataKey,
) -> None:
    """Give each person of `group` `each` check-ins of the eight practices in turn, one every
    3 hours back from `end` (a year of all eight is about 3,000), a note on every fifth
    (`note_text`) and the milestones `reached`: sealed with each person's own key, made in
    the keyring beside the data under `data_key`, as the bot would have stored them."""
    engine, ring = create_engine(url), open_keyring(keyring_url(url), data_key)
    practices = [ritual.key for ritual in rituals()]
    try:
        await prepare(engine, ring)
        sessions = session_factory(engine, ring)
        for person in range(group.first_user, group.first_user + group.users):
            async with sessions() as session, session.begin():
                key = await key_to_seal(session, user_id=person)
                moments = [end - timedelta(hours=3 * (n + 1)) for n in range(each)]
                # Code from before practice tags (bench_tap.py --source) stores none.
                tag = getattr(key, "practice_tag", None)
                rows = []
                for n, at in enumerate(moments):
                    practice = practices[n % len(practices)]
                    rating = 1 + n * 7919 % 5
                    sealed = key.seal_check_in(practice, rating)
                    row = {"user_id": person, "practiced_at": at, "created_at": at,
                           "updated_at": at, "sealed": sealed}  # fmt: skip
                    if tag is not None:
                        row["practice_tag"] = tag(practice)
                    rows.append(row)
                for first in range(0, len(rows), 5_000):
                    await session.execute(insert(CheckIn), rows[first : first + 5_000])
                ids = list(
                    await session.scalars(
                        select(CheckIn.id).where(CheckIn.user_id == person).order_by(CheckIn.id)
                    )
                )
                notes = [
                    {"user_id": person, "check_in_id": check_in, "created_at": end,
                     "sealed_body": key.seal_text(note_text, sealing.NOTE_BODY)}
                    for check_in in ids[::5]
                ]  # fmt: skip
                if notes:
                    await session.execute(insert(Note), notes)
                await add_milestones(session, user_id=person, keys=reached, now=end)
        if engine.dialect.name == "postgresql":
            async with engine.begin() as conn:
                await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
        await ring.dispose()


def _eight_practices() -> str:
    keys = [ritual.key for ritual in rituals()]
    whens = " ".join(f"WHEN {n} THEN '{key}'" for n, key in enumerate(keys))
    return f"CASE (n % :each) % {len(keys)} {whens} END"


def _stamp(moment: datetime, sqlite: bool) -> str | datetime:
    """UTC as the schema stores it: naive; on SQLite, SQLAlchemy's text form."""
    naive = (moment - (moment.utcoffset() or timedelta())).replace(tzinfo=None)
    return naive.isoformat(sep=" ", timespec="microseconds") if sqlite else naive


def _ritual_case(group: People) -> str:
    keys = [ritual.key for ritual in rituals()][: group.per_user]
    whens = " ".join(f"WHEN {n} THEN '{key}'" for n, key in enumerate(keys))
    return f"CASE n % :per_user {whens} END"


_COLUMNS_USERS = (
    "users (id, telegram_id, chat_id, locale, timezone, discreet,"
    " adult_confirmed_at, consented_at, consent_version, created_at)"
)
_COLUMNS_SUBS = (
    "subscriptions (user_id, ritual_key, local_time, weekdays, active, prompts_claimed,"
    " next_due_at, created_at)"
)
_COLUMNS_CHECK_INS = (
    "check_ins (user_id, ritual_key, rating, practiced_at, created_at, updated_at)"
)
# A note on every fifth check-in, all with the same words.
# Subscription n (from 0) is due when (n + 1) is a multiple of due_every; the others
# fall due 1 s to a week later, spread by a multiplicative hash.
_SQLITE = {
    "users": f"""
        WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < :users)
        INSERT INTO {_COLUMNS_USERS}
        SELECT :first + n, :chat_base + :first + n, :chat_base + :first + n, 'en',
               'Europe/Berlin', 1, :now, :now, :consent_version, :now
        FROM seq""",
    "subscriptions": f"""
        WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < :subs)
        INSERT INTO {_COLUMNS_SUBS}
        SELECT :first + n / :per_user, {{ritual}}, :local_time, '0123456', 1, 0,
               CASE WHEN (n + 1) % :due_every = 0 THEN :due
                    ELSE strftime('%Y-%m-%d %H:%M:%S', :now,
                                  '+' || (1 + n * 7919 % :week) || ' seconds') || '.000000'
               END,
               :now
        FROM seq""",
}
_POSTGRES = {
    "users": f"""
        INSERT INTO {_COLUMNS_USERS}
        SELECT CAST(:first AS int) + n, CAST(:chat_base AS bigint) + :first + n,
               CAST(:chat_base AS bigint) + :first + n, 'en', 'Europe/Berlin', true,
               CAST(:now AS timestamp), CAST(:now AS timestamp),
               CAST(:consent_version AS int), CAST(:now AS timestamp)
        FROM generate_series(0, CAST(:users AS int) - 1) AS n""",
    "subscriptions": f"""
        INSERT INTO {_COLUMNS_SUBS}
        SELECT CAST(:first AS int) + n / CAST(:per_user AS int), {{ritual}},
               CAST(:local_time AS varchar), '0123456', true, 0,
               CASE WHEN (n + 1) % CAST(:due_every AS bigint) = 0 THEN CAST(:due AS timestamp)
                    ELSE CAST(:now AS timestamp)
                         + make_interval(secs => 1 + n * 7919 % CAST(:week AS bigint))
               END,
               CAST(:now AS timestamp)
        FROM generate_series(CAST(0 AS bigint), CAST(:subs AS bigint) - 1) AS n""",
}
