"""Finding 3 (files): the database, the keyring beside it, their -wal and -shm, and the data
key file are readable by this user only (0600), in a folder only this user can open (0700),
whatever the umask; files left more open by an older version are closed at start, said in
one log line."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.data_key import KEY_FILE
from bot.settings import Settings
from emulator import BotApiEmulator
from tests.e2e.harness import FakeClock, make_settings, serving


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The umask most systems start with: new files 0644, new folders 0755."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _development(emulator: BotApiEmulator, folder: Path) -> Settings:
    """`make run`'s settings: SQLite in `folder`, the data key in a file beside it."""
    url = f"sqlite+aiosqlite:///{folder / 'attune.db'}"
    return make_settings(emulator.root_url, url, ATTUNE_DATA_KEY="", ATTUNE_ENV="development")


async def test_a_new_database_and_key_are_private_from_the_start(
    open_umask: None, emulator: BotApiEmulator, clock: FakeClock, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    async with serving(_development(emulator, folder), clock) as (_app, _runtime):
        sam = emulator.user(user_id=7001)
        await sam.send("/start")  # a write: the -wal file holds it
        await sam.wait_for_message()
        ring = ("attune-keyring.db", "attune-keyring.db-wal", "attune-keyring.db-shm")
        data = ("attune.db", "attune.db-wal", "attune.db-shm")
        files = [folder / n for n in (*data, *ring, KEY_FILE)]
        assert all(f.exists() for f in files), sorted(p.name for p in folder.iterdir())
        assert {f.name: oct(_mode(f)) for f in files} == {f.name: "0o600" for f in files}
        assert oct(_mode(folder)) == "0o700"


async def test_files_left_open_are_closed_at_start_in_one_line(
    open_umask: None,
    emulator: BotApiEmulator,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    # What an older Attune left: a database and a key file anyone on the machine could read.
    with sqlite3.connect(folder / "attune.db") as db:
        db.execute("PRAGMA journal_mode=WAL")
    (folder / KEY_FILE).write_text("k0PlHPFDdP5nRkzj7Qm1yP1F2lYe0Xy4VbV9o6b7m_Q=\n")
    assert _mode(folder / "attune.db") == 0o644 and _mode(folder / KEY_FILE) == 0o644
    caplog.set_level(logging.INFO)
    async with serving(_development(emulator, folder), clock) as (_app, _runtime):
        for name in ("attune.db", "attune.db-wal", "attune.db-shm", KEY_FILE):
            assert oct(_mode(folder / name)) == "0o600", name
        assert oct(_mode(folder)) == "0o700"
    said = [r.getMessage() for r in caplog.records if "made private" in r.getMessage()]
    assert len(said) == 1, said
    assert "attune.db" in said[0] and KEY_FILE in said[0] and "\n" not in said[0]


async def test_private_files_are_not_reported_again(
    open_umask: None,
    emulator: BotApiEmulator,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    settings = _development(emulator, folder)
    async with serving(settings, clock):
        pass
    caplog.set_level(logging.INFO)
    caplog.clear()
    async with serving(settings, clock):
        pass
    assert [r.getMessage() for r in caplog.records if "made private" in r.getMessage()] == []
