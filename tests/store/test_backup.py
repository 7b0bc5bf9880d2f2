"""SQLite's online backup: a consistent snapshot while a writer commits, or no file at all."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

import pytest

from store.backup import backup_problem, copy_sqlite
from store.db import create_engine, migrate
from store.stats import head_revision

# Keeps committing a person and their ritual together, as fast as it can; says "writing"
# once it has committed 50 pairs.
WRITER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
start = n = int(sys.argv[2])
while True:
    n += 1
    if n == start + 50:
        print("writing", flush=True)
    db.execute("BEGIN IMMEDIATE")
    db.execute(
        "INSERT INTO users (id, telegram_id, chat_id, locale, discreet, quiet,"
        " consent_version, created_at) VALUES (?, ?, ?, 'en', 1, 0, 0, '2026-01-01')",
        (n, n, n),
    )
    db.execute(
        "INSERT INTO subscriptions (user_id, ritual_key, local_time, weekdays, active,"
        " prompts_claimed, created_at) VALUES (?, 'breath', '22:00', '0123456', 1, 0,"
        " '2026-01-01')",
        (n,),
    )
    db.execute("COMMIT")
"""

SEEDED = 20_000


async def _migrated_file(path: Path) -> Path:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
    return path


def _seed_rows(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO users (id, telegram_id, chat_id, locale, discreet, quiet,"
            " consent_version, created_at) VALUES (?, ?, ?, 'en', 1, 0, 0, '2026-01-01')",
            ((n, n, n) for n in range(1, SEEDED + 1)),
        )
        db.executemany(
            "INSERT INTO subscriptions (user_id, ritual_key, local_time, weekdays, active,"
            " prompts_claimed, created_at) VALUES (?, 'breath', '22:00', '0123456', 1, 0,"
            " '2026-01-01')",
            ((n,) for n in range(1, SEEDED + 1)),
        )
    sqlite3.connect(path).close()


def _newest_user(path: Path) -> int:
    with sqlite3.connect(path, timeout=30) as db:
        return int(db.execute("SELECT max(id) FROM users").fetchone()[0])


async def test_a_copy_while_a_writer_commits_is_a_consistent_snapshot(tmp_path: Path) -> None:
    database = await _migrated_file(tmp_path / "attune.db")
    backup = tmp_path / "copies" / "attune-backup.db"
    backup.parent.mkdir()
    _seed_rows(database)
    writer = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WRITER, str(database), str(SEEDED), stdout=asyncio.subprocess.PIPE
    )
    assert writer.stdout is not None
    try:
        assert await asyncio.wait_for(writer.stdout.readline(), timeout=20) == b"writing\n"
        before = _newest_user(database)
        counts = await asyncio.to_thread(copy_sqlite, database, backup)
        after = _newest_user(database)
    finally:
        writer.kill()
        await writer.wait()
    assert after > before, "the writer was held up"
    with sqlite3.connect(f"{backup.as_uri()}?mode=ro", uri=True) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (head_revision(),)
        ]
        users, newest = db.execute("SELECT count(*), max(id) FROM users").fetchone()
        rituals = db.execute("SELECT count(*) FROM subscriptions").fetchone()[0]
    assert before <= newest <= after  # everything committed before it began, at least
    assert users == newest == rituals  # no gap, and no person without their ritual
    assert (counts["users"], counts["subscriptions"]) == (users, rituals)
    assert "alembic_version" not in counts
    assert backup.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in backup.parent.iterdir()) == ["attune-backup.db"]


def test_a_failed_copy_leaves_no_file_behind(tmp_path: Path) -> None:
    source = tmp_path / "attune.db"
    source.write_bytes(b"not a database at all" * 100)
    (tmp_path / "out").mkdir()
    with pytest.raises(sqlite3.Error):
        copy_sqlite(source, tmp_path / "out" / "b.db")
    assert list((tmp_path / "out").iterdir()) == []


def test_backup_problem_names_what_is_in_the_way(tmp_path: Path) -> None:
    source, target = tmp_path / "attune.db", tmp_path / "backup.db"
    assert backup_problem(None, target, force=False) == (
        "DATABASE_URL names no SQLite file to back up"
    )
    assert backup_problem(source, target, force=False) == f"there is no database at {source}"
    source.touch()
    assert backup_problem(source, target, force=False) is None
    assert "is a folder" in str(backup_problem(source, tmp_path, force=True))
    assert "the database itself" in str(backup_problem(source, source, force=True))
    target.touch()
    assert "add --force" in str(backup_problem(source, target, force=False))
    assert backup_problem(source, target, force=True) is None
    missing = tmp_path / "nowhere" / "b.db"
    assert (
        backup_problem(source, missing, force=False)
        == f"the folder {missing.parent} does not exist"
    )
