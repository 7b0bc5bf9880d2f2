"""`attune backup` as the operator sees it: what it prints, refuses and points to.

The copy itself is tested in tests/store/test_backup.py.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from store.stats import head_revision
from tests.bot.conftest import ATTUNE, Attune, Env, Migrated
from tests.e2e.processes import seed_due_people


async def test_backup_prints_the_rows_per_table_it_copied(
    env: Env, tmp_path: Path, sqlite_url: str, attune: Attune
) -> None:
    await seed_due_people(sqlite_url, count=2, due=datetime.now(UTC))
    code, out, err = await attune("backup", str(tmp_path / "backup.db"))
    assert code == 0, err
    first, *tables = out.splitlines()
    assert first.startswith(f"attune: backed up {tmp_path / 'attune.db'} to ")
    assert first.endswith(" KB, integrity ok)")
    rows = dict(line.split() for line in tables)
    assert (rows["users"], rows["subscriptions"]) == ("2", "2")
    assert len({len(line) for line in tables}) == 1, "not aligned"


async def test_backup_refuses_to_replace_a_file_unless_forced(
    env: Env, tmp_path: Path, attune: Attune, migrated: Migrated
) -> None:
    await migrated()
    target = tmp_path / "backup.db"
    target.write_text("precious")
    code, _, err = await attune("backup", str(target))
    assert code == 1
    assert "--force" in err
    assert target.read_text() == "precious"
    code, _, err = await attune("backup", str(target), "--force")
    assert code == 0, err
    with sqlite3.connect(target) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == (
            head_revision(),
        )


async def test_a_failed_backup_says_so_in_one_line(
    env: Env, tmp_path: Path, attune: Attune
) -> None:
    (tmp_path / "attune.db").write_bytes(b"not a database at all" * 100)
    code, _, err = await attune("backup", str(tmp_path / "out" / "b.db"))
    assert code == 1 and "does not exist" in err
    (tmp_path / "out").mkdir()
    code, _, err = await attune("backup", str(tmp_path / "out" / "b.db"))
    assert code == 1
    assert err.startswith("attune: backup failed") and err.count("\n") == 1
    assert list((tmp_path / "out").iterdir()) == []


def test_backup_of_postgresql_points_to_pg_dump(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ATTUNE_"))}
    environ["DATABASE_URL"] = "postgresql+asyncpg://attune:hunter2-pw@db.internal:5432/attune"
    done = subprocess.run(
        [ATTUNE, "backup", "attune.dump"],
        env=environ,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert 'pg_dump --format=custom --file=attune.dump "postgresql://attune@db.internal' in (
        done.stderr
    )
    assert "hunter2" not in done.stderr
    assert not (tmp_path / "attune.dump").exists()
