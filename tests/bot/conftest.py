"""The operator's commands as `main()` runs them, with the environment an operator sets.

`main()` runs its own event loop, so tests call it in a worker thread; the database is a
SQLite file in tmp_path unless a test sets DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from bot.cli import main
from store.db import create_engine, migrate

# The installed console script, for the tests that run it as a real process.
ATTUNE = str(Path(sys.executable).with_name("attune"))

Env = Callable[..., None]
Attune = Callable[..., Awaitable[tuple[int, str, str]]]
Migrated = Callable[..., Awaitable[str]]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The database the `env` fixture points DATABASE_URL at (not created)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sqlite_url: str) -> Iterator[Env]:
    """An environment with no Attune settings but a SQLite file in tmp_path; set more."""
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "ATTUNE_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # and so no stray .env is read
    monkeypatch.setenv("DATABASE_URL", sqlite_url)

    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    yield set_env


@pytest.fixture
def attune(capsys: pytest.CaptureFixture[str]) -> Attune:
    """`attune ARGV...` in-process: its exit status, stdout and stderr."""

    async def run(*argv: str) -> tuple[int, str, str]:
        code = await asyncio.to_thread(main, list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def migrated(sqlite_url: str) -> Migrated:
    """Migrate the tmp_path database to a revision (head unless named); returns its URL."""

    async def to(revision: str = "head") -> str:
        engine = create_engine(sqlite_url)
        try:
            await migrate(engine, revision)
        finally:
            await engine.dispose()
        return sqlite_url

    return to
