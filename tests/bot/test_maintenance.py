"""`attune backup` as the operator sees it: what it prints, refuses and points to; the
data and the keyring each to a file of its own.

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
    assert (await attune("migrate"))[0] == 0  # makes the keyring beside the data
    code, out, err = await attune("backup", str(tmp_path / "backup.db"))
    assert code == 0, err
    lines = out.splitlines()
    split = next(n for n, line in enumerate(lines) if n and line.startswith("attune:"))
    (first, *tables), (second, *keyring) = lines[:split], lines[split:]
    assert first.startswith(f"attune: backed up {tmp_path / 'attune.db'} to ")
    assert first.endswith(" KB, integrity ok)")
    rows = dict(line.split() for line in tables)
    assert (rows["users"], rows["subscriptions"]) == ("2", "2")
    assert len({len(line) for line in tables}) == 1, "not aligned"
    # The keyring, to a file of its own beside the data's backup.
    keyring_backup = tmp_path / "backup.db.keyring"
    assert second.startswith(f"attune: backed up {tmp_path / 'attune-keyring.db'} to ")
    assert str(keyring_backup) in second
    assert dict(line.split() for line in keyring)["keyring_meta"] == "1"
    with sqlite3.connect(keyring_backup) as db:
        assert db.execute("SELECT count(*) FROM person_keys").fetchone() == (0,)

    code, out, err = await attune(
        "backup", str(tmp_path / "b2.db"), "--keyring", str(tmp_path / "elsewhere.keys")
    )
    assert code == 0, err
    assert (tmp_path / "elsewhere.keys").exists() and not (tmp_path / "b2.db.keyring").exists()


async def test_backup_refuses_to_replace_a_file_unless_forced(
    env: Env, tmp_path: Path, attune: Attune, migrated: Migrated
) -> None:
    await migrated()
    assert (await attune("migrate"))[0] == 0
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
    with sqlite3.connect(tmp_path / "attune-keyring.db") as keyring:
        keyring.execute("CREATE TABLE person_keys (key_id TEXT)")
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
    environ["ATTUNE_KEYRING_URL"] = "postgresql+asyncpg://ring:hunter3-pw@keys.internal/ring"
    done = subprocess.run(
        [ATTUNE, "backup", "attune.dump"],
        env=environ,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 3
    # Data first, then the keyring, each to its own file.
    data, keyring = done.stderr.splitlines()[1:]
    assert 'pg_dump --format=custom --file=attune.dump "postgresql://attune@db.internal' in data
    assert 'pg_dump --format=custom --file=attune.dump.keyring "postgresql://ring@keys' in keyring
    assert "hunter2" not in done.stderr and "hunter3" not in done.stderr
    assert not (tmp_path / "attune.dump").exists()
