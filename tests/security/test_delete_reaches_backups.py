"""/delete reaches every copy: after it, nothing Sam told Attune opens from any copy of the
data, not even a backup taken before the deletion, with the keyring as it is afterwards.

Sam rates a practice, names a step, writes a note and reaches milestones; Bob does too.
Both databases are backed up as the README says (SQLite: `attune backup`'s copy, to two
files; PostgreSQL: pg_dump of each, restored afterwards as a restore would). Then Sam
deletes everything, and:

- the raw bytes of every data file and WAL (now, and of the backup) never hold the note,
  the named step or a milestone's name: they were only ever stored sealed;
- ATTUNE_DATA_KEY alone opens none of Sam's sealed values in the backup (before person
  keys, it opened every note there);
- the keyring as it is now has no key for Sam (destroyed, so Sam counts as erased), and
  none of its keys (Bob's) opens any of Sam's sealed values in the backup;
- the keyring's own files no longer hold Sam's wrapped key (SQLite: file and WAL; on
  PostgreSQL the table's file: the server's WAL is its own, see the README);
- while the keyring backup taken before still opens them all: the control that shows the
  check can fail, and why keyring backups are kept only briefly.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render
from store import sealing
from store.backup import copy_sqlite
from store.crypto import DataKey
from store.database_url import libpq_url, sqlite_file
from store.keyring import Keyring, open_keyring
from store.sealing import PersonKey, Unreadable
from tests.databases import DATA_KEY, empty_postgres, keyring_for, keyring_url
from tests.e2e.flows import (
    button_data,
    onboard,
    opt_in_default,
    press_for_toast,
    settled,
)
from tests.e2e.harness import FakeClock
from tests.e2e.practice import prompt_at, rate, write_note

FRIDAY_SIX_PM = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
SAM, BOB = 8801, 8802
# Words found nowhere else, so finding them in raw bytes could only mean Sam's note.
NOTE = "Quillwort evening: I let myself be held and it felt safe."
NAMES = [NOTE.encode(), b"win:tender", b"first:small_wins"]
# What each sealed column was sealed for.
SEALED = {
    "check_ins": [("sealed", sealing.CHECK_IN), ("sealed_win", sealing.WIN)],
    "notes": [("sealed_body", sealing.NOTE_BODY), ("sealed_ritual", sealing.NOTE_RITUAL)],
    "milestones": [("sealed_key", sealing.MILESTONE)],
}


async def _live_a_week(bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock) -> Any:
    """Sam and Bob each rate small wins, name a step, write a note; returns Sam."""
    people = [
        emulator.user(user_id=n, first_name=name) for n, name in ((SAM, "Sam"), (BOB, "Bob"))
    ]
    for person in people:
        await onboard(person)
        await opt_in_default(person, "small_wins")
    mark = [person.mark() for person in people]
    await prompt_at(bot, clock, people[0], FRIDAY_SIX_PM)
    for person, after in zip(people, mark, strict=True):
        prompt = await person.wait_for_message(
            lambda m: any(d.startswith("r:") for d in button_data(m)), after=after
        )
        thanks = await rate(person, prompt, 4)
        tender = next(d for d in button_data(thanks) if d.endswith(":tender"))
        assert await press_for_toast(person, thanks, tender) == render("win_noted_tender", "en")
        await write_note(person, NOTE if person is people[0] else "Bob's own words.")
        await settled(person)
    return people[0]


@dataclass
class Backup:
    """A backup of both databases, taken before the deletion: where each reads once
    restored, and (PostgreSQL) the dump files a restore reads."""

    data: str
    keyring: str
    dumps: list[tuple[Path, str]] = field(default_factory=list)

    async def restore(self) -> None:
        """Restore PostgreSQL's dumps, each into a database of its own (SQLite's files
        are read as they are)."""
        for dump, url in self.dumps:
            await empty_postgres(url)
            await _run("pg_restore", "--no-owner", f"--dbname={libpq_url(url)}", str(dump))


async def _back_up(database_url: str, tmp_path: Path) -> Backup:
    """Back up the data, then the keyring, each to a file of its own."""
    folder = tmp_path / "backups"
    folder.mkdir()
    if database_url.startswith("sqlite"):
        data, ring = sqlite_file(database_url), sqlite_file(keyring_url(database_url))
        assert data is not None and ring is not None
        copy_sqlite(data, folder / "attune.db")
        copy_sqlite(ring, folder / "attune.db.keyring")
        return Backup(
            f"sqlite+aiosqlite:///{folder / 'attune.db'}",
            f"sqlite+aiosqlite:///{folder / 'attune.db.keyring'}",
        )
    dumps = []
    for url, name in ((database_url, "attune.dump"), (keyring_url(database_url), "keyring.dump")):
        await _run("pg_dump", "--format=custom", f"--file={folder / name}", libpq_url(url))
        into = make_url(url).set(database=f"{make_url(url).database}_backup")
        dumps.append((folder / name, into.render_as_string(hide_password=False)))
    return Backup(dumps[0][1], dumps[1][1], dumps)


async def _run(*command: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()
    assert process.returncode == 0, (command[0], err.decode())


async def _sams_sealed(data_url: str) -> tuple[str, list[tuple[bytes, str]]]:
    """Sam's key id and every sealed value of Sam's, with what it was sealed for, as a
    database (the live one, or a restored backup) holds them."""
    engine = create_async_engine(data_url)
    try:
        async with engine.connect() as conn:
            user_id, key_id = (
                await conn.execute(
                    text("SELECT id, key_id FROM users WHERE telegram_id = :t"), {"t": SAM}
                )
            ).one()
            values = []
            for table, columns in SEALED.items():
                for column, where in columns:
                    found = await conn.scalars(
                        text(f"SELECT {column} FROM {table} WHERE user_id = :u"), {"u": user_id}
                    )
                    values += [(bytes(value), where) for value in found if value is not None]
    finally:
        await engine.dispose()
    return str(key_id), values


def _opens(key: PersonKey, values: list[tuple[bytes, str]]) -> list[bytes]:
    """What `key` opens of `values`."""
    opened = []
    for sealed, where in values:
        try:
            opened.append(key.open(sealed, where))
        except Unreadable:
            continue
    return opened


async def _every_key(keyring: Keyring) -> list[PersonKey]:
    keys = [await keyring.find(key_id) for key_id in await keyring.key_ids()]
    return [key for key in keys if key is not None]


async def _raw_sqlite(url: str) -> bytes:
    path = sqlite_file(url)
    assert path is not None
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def _raw_postgres_holds(url: str, needle: bytes, *, tables: bool, wal: bool) -> list[str]:
    """Which of the database's table files (and the server's WAL segments) hold `needle`,
    searched by the server itself (the tests connect as a superuser)."""
    engine = create_async_engine(url)
    found = []
    try:
        async with engine.connect() as conn:
            if tables:
                files = await conn.scalars(
                    text(
                        "SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE c.relkind IN"
                        " ('r', 't', 'i') AND pg_relation_filepath(c.oid) IS NOT NULL AND"
                        " (c.relnamespace = 'public'::regnamespace OR c.relname LIKE 'pg_toast_%')"
                    )
                )
                for path in list(files):
                    hit = await conn.scalar(
                        text("SELECT position(:n IN pg_read_binary_file(:p))"),
                        {"n": needle, "p": path},
                    )
                    if hit:
                        found.append(path)
            if wal:
                found += await conn.scalars(
                    text(
                        "SELECT name FROM pg_ls_waldir() WHERE"
                        " position(:n IN pg_read_binary_file('pg_wal/' || name)) > 0"
                    ),
                    {"n": needle},
                )
    finally:
        await engine.dispose()
    return found


async def _scrubbed_on_postgres(keyring: Keyring, url: str, wrapped: bytes) -> None:
    """The keyring table's file loses the destroyed key: at once, or (a transaction older
    than the deletion running elsewhere on the server holds its bytes back) at a later
    scrub, as housekeeping makes hourly."""
    for _ in range(40):
        if await _raw_postgres_holds(url, wrapped, tables=True, wal=False) == []:
            return
        await keyring.scrub_after(timedelta(days=1))
        await asyncio.sleep(0.5)
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        older = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND"
                " coalesce(backend_xid, backend_xmin) IS NOT NULL"
                " AND xact_start < now() - interval '20 seconds'"
            )
        )
    await engine.dispose()
    # Only what PostgreSQL must keep for an older transaction (another test's, on a shared
    # server) may still be there; with none, the scrub itself failed.
    assert older, "VACUUM FULL left a destroyed key in person_keys with nothing holding it"


async def test_after_delete_no_copy_of_what_sam_told_opens_with_the_keyring_as_it_is(
    bot: AttuneApp,
    emulator: BotApiEmulator,
    clock: FakeClock,
    database_url: str,
    tmp_path: Path,
) -> None:
    sam = await _live_a_week(bot, emulator, clock)
    backup = await _back_up(database_url, tmp_path)
    before = keyring_for(database_url)
    key_id, _ = await _sams_sealed(database_url)
    async with before.engine.connect() as conn:
        wrapped = await conn.scalar(
            text("SELECT wrapped FROM person_keys WHERE key_id = :k"), {"k": key_id}
        )
    await before.dispose()

    await sam.send("/delete")
    confirm = await sam.wait_for_message(lambda m: "erase:yes" in button_data(m))
    await sam.press(confirm, callback_data="erase:yes")
    await sam.wait_for_message(lambda m: m.text == render("delete_done", "en"))
    await backup.restore()

    # Raw bytes: what Sam told was never stored as it is, here or in the backup.
    sqlite = database_url.startswith("sqlite")
    for url in (database_url, backup.data):
        for name in NAMES:
            if sqlite:
                assert name not in await _raw_sqlite(url), (url, name)
            else:
                # The server's WAL is shared by every database on it (other tests' too),
                # so only the note's own words are searched for there, and once.
                wal = url == database_url and name == NOTE.encode()
                assert await _raw_postgres_holds(url, name, tables=True, wal=wal) == []

    backup_key_id, values = await _sams_sealed(backup.data)
    assert backup_key_id == key_id
    # Every kind of sealed value is there.
    assert {where for _, where in values} == {w for cs in SEALED.values() for _, w in cs}
    # ATTUNE_DATA_KEY alone, as every note was sealed before person keys: opens nothing.
    data_key = DataKey([DATA_KEY])
    for sealed, _ in values:
        try:
            data_key.decrypt(sealed.decode("latin-1"))
            opened_by_data_key = True
        except ValueError:
            opened_by_data_key = False
        assert not opened_by_data_key

    # The keyring as it is now: Sam's key destroyed, and no key in it (Bob's) opens Sam's.
    after = keyring_for(database_url)
    try:
        assert await after.find(key_id) is None
        assert await after.destroyed([key_id]) == {key_id}  # erased, not missing
        remaining = await _every_key(after)
        assert len(remaining) == 1  # Bob's, which still opens Bob's words
        for key in remaining:
            assert _opens(key, values) == []
        assert wrapped is not None
        if sqlite:
            assert wrapped.encode() not in await _raw_sqlite(keyring_url(database_url))
        else:
            await _scrubbed_on_postgres(after, keyring_url(database_url), wrapped.encode())
    finally:
        await after.dispose()

    # The control: the keyring backup from before the deletion opens all of it.
    old = open_keyring(backup.keyring, DataKey([DATA_KEY]))
    try:
        sams = await old.find(key_id)
        assert sams is not None
        assert len(_opens(sams, values)) == len(values)
        assert NOTE.encode() in _opens(sams, values)
    finally:
        await old.dispose()
