"""What `attune try` will not do, said plainly before anything is written: take over a
database other people are in, open what is no database, or guess at a language."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.data_key import KEY_FILE
from store.db import create_engine, migrate, session_factory
from store.users import add_user
from tests.tryout.screen import try_env
from tryout.session import PERSON_ID


def _try(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "try", *args],
        env=try_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


async def _with_people(path: Path, *telegram_ids: int) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    async with session_factory(engine)() as session, session.begin():
        for telegram_id in telegram_ids:
            now = datetime.now(UTC)
            await add_user(
                session, telegram_id=telegram_id, chat_id=telegram_id, locale="en", now=now
            )
    await engine.dispose()


def _left_beside(path: Path) -> set[str]:
    return {p.name for p in path.parent.iterdir()} - {path.name}


async def test_a_database_with_other_people_is_refused(tmp_path: Path) -> None:
    kept = tmp_path / "bot" / "attune.db"
    kept.parent.mkdir()
    await _with_people(kept, PERSON_ID, 4242)
    done = _try(tmp_path, "--db", str(kept))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "holds other people's conversations" in done.stderr
    assert _left_beside(kept) <= {"attune.db-wal", "attune.db-shm"}  # no key, log or files
    assert KEY_FILE not in _left_beside(kept)


async def test_the_persons_own_database_is_taken(tmp_path: Path) -> None:
    kept = tmp_path / "mine.db"
    await _with_people(kept, PERSON_ID)
    done = _try(tmp_path, "--db", str(kept))  # no terminal: it starts, then reads Ctrl-D
    assert done.returncode == 0, done.stderr
    assert "Bye. Everything is kept in" in done.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--db", "not-a-database.txt"], "cannot be opened as a SQLite database"),
        (["--db", "no/such/folder/x.db"], "is not a file in a folder that exists"),
        (["--lang", "de_DE!"], "is not a language code"),
    ],
)
def test_what_cannot_work_is_said_in_one_line(tmp_path: Path, args: list[str], says: str) -> None:
    (tmp_path / "not-a-database.txt").write_text("a shopping list\n" * 100)
    done = _try(tmp_path, *args)
    assert done.returncode == 2
    assert says in done.stderr and "Traceback" not in done.stderr
