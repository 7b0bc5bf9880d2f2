"""The `attune` command as an operator runs it: real processes, real exit codes."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.data_key import KEY_FILE, load_data_key
from bot.settings import Settings
from emulator import BotApiEmulator
from store.crypto import DataKey
from store.db import create_engine, session_factory
from store.keyring import open_keyring
from store.keyring_models import PersonKeyRow
from store.models import User
from store.notes import add_note
from store.person_keys import prepare
from store.personal_data import collect
from tests.databases import keyring_url
from tests.e2e.harness import DATA_KEY, TOKEN
from tests.e2e.processes import seed_due_people

ATTUNE = str(Path(sys.executable).with_name("attune"))


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ATTUNE_"))}
    env.pop("DATABASE_URL", None)
    env.update({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}", **extra})
    return env


def test_run_without_a_token_says_so_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [ATTUNE, "run"], env=_env(tmp_path), cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "TELEGRAM_BOT_TOKEN is not set" in done.stderr
    assert not (tmp_path / "attune.db").exists()


def test_run_with_a_malformed_token_says_so_in_one_line(tmp_path: Path) -> None:
    env = _env(tmp_path, TELEGRAM_BOT_TOKEN="not-a-token")
    done = subprocess.run([ATTUNE, "run"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2
    assert "does not look like a bot token" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_setting_is_one_line_too(tmp_path: Path) -> None:
    env = _env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, ATTUNE_TICK_SECONDS="soon")
    done = subprocess.run([ATTUNE, "run"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2
    assert "ATTUNE_TICK_SECONDS" in done.stderr
    assert done.stderr.strip().count("\n") == 0


def test_migrate_creates_the_schema_and_is_idempotent(tmp_path: Path) -> None:
    for _ in range(2):
        done = subprocess.run(
            [ATTUNE, "migrate"], env=_env(tmp_path), cwd=tmp_path, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "attune.db") as db:
        tables = {
            row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    assert {"users", "subscriptions", "prompts", "check_ins", "alembic_version"} <= tables


async def test_python_m_bot_run_serves_and_stops_cleanly_on_sigterm(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    env = _env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=emulator.root_url,
        ATTUNE_DATA_KEY=DATA_KEY,
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        # Commands are registered once the database is migrated, just before polling.
        await emulator.wait_for_call("setMyCommands", timeout=30, after=0)
        sam = emulator.user(user_id=5001, first_name="Sam")
        await sam.send("/start")
        welcome = await sam.wait_for_message(timeout=10)
        assert [data for _, data in welcome.buttons] == ["adult:yes", "adult:no"]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=15)
    assert process.returncode == 0, stderr.decode()
    assert TOKEN not in stderr.decode()  # the token never reaches the log


async def test_run_with_a_malformed_help_lines_file_stops_in_one_line(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """Refused at start, before the database is touched: never when a person needs help."""
    broken = tmp_path / "help.toml"
    broken.write_text('[default]\nsucide = ["Call a friend"]\n', encoding="utf-8")
    env = _env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=emulator.root_url,
        ATTUNE_DATA_KEY=DATA_KEY,
        ATTUNE_CRISIS_RESOURCES=str(broken),
    )
    process = await asyncio.create_subprocess_exec(
        ATTUNE, "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    said = stderr.decode().strip()
    assert process.returncode == 1, said
    assert said.count("\n") == 0 and "Traceback" not in said
    assert f"crisis resources {broken}: [default] sucide is not a category" in said
    assert "setMyCommands" not in [call.method for call in emulator.calls]
    assert not (tmp_path / "attune.db").exists()


def test_run_without_a_data_key_refuses_outside_development(tmp_path: Path) -> None:
    env = _env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN)
    done = subprocess.run([ATTUNE, "run"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2
    assert "ATTUNE_DATA_KEY is not set" in done.stderr
    assert done.stderr.strip().count("\n") == 0


def test_development_creates_a_private_key_file_next_to_the_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}"
    settings = Settings(_env_file=None, DATABASE_URL=url, ATTUNE_ENV="development")  # type: ignore[call-arg]
    data_key = load_data_key(settings)
    key_file = tmp_path / KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600
    # The same file is used next time, so person keys stay unwrappable across restarts.
    assert load_data_key(settings).decrypt(data_key.encrypt(b"kept")) == b"kept"


def test_new_key_then_rotate_key_rewraps_and_checks_every_person_key(tmp_path: Path) -> None:
    old = subprocess.run([ATTUNE, "new-key"], capture_output=True, text=True).stdout.strip()
    new = subprocess.run([ATTUNE, "new-key"], capture_output=True, text=True).stdout.strip()
    assert old != new
    url = f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}"

    async def write_notes() -> None:
        await seed_due_people(url, count=2, due=datetime.now(UTC))
        engine, ring = create_engine(url), open_keyring(keyring_url(url), DataKey([old]))
        await prepare(engine, ring)
        async with session_factory(engine, ring)() as session, session.begin():
            for user_id in (1, 2):
                await add_note(
                    session, user_id=user_id, text=f"note {user_id}", now=datetime.now(UTC)
                )
        await engine.dispose()
        await ring.dispose()

    async def read(key: str) -> tuple[list[str], list[str]]:
        """The wrapped keys, and the notes as a keyring under `key` alone opens them."""
        engine, ring = create_engine(url), open_keyring(keyring_url(url), DataKey([key]))
        async with ring.engine.connect() as conn:
            wrapped = list(await conn.scalars(select(PersonKeyRow.wrapped)))
        async with session_factory(engine, ring)() as session:
            texts = []
            for user_id in (1, 2):
                texts += await _journal(session, user_id)
        await engine.dispose()
        await ring.dispose()
        return wrapped, texts

    asyncio.run(write_notes())
    before, _ = asyncio.run(read(old))
    env = _env(tmp_path, ATTUNE_DATA_KEY=f"{new},{old}")
    done = subprocess.run(
        [ATTUNE, "rotate-key"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "wrapped 2 person keys again under the first key" in done.stdout
    assert "all 2 unwrap under the first key alone, and 2 sealed values" in done.stdout
    after, texts = asyncio.run(read(new))  # the new key alone opens everything
    assert texts == ["note 1", "note 2"]
    assert set(after).isdisjoint(before)
    for token in after:
        with pytest.raises(ValueError):
            DataKey([old]).decrypt(token)
    # Data is untouched: only the keyring changed. A key that unwraps nothing is refused.
    done = subprocess.run(
        [ATTUNE, "rotate-key"], env=_env(tmp_path, ATTUNE_DATA_KEY=old), cwd=tmp_path,
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 1
    assert "ATTUNE_DATA_KEY does not unwrap the keyring's keys" in done.stderr


async def _journal(session: Any, user_id: int) -> list[str]:
    """A person's journal notes as the store opens them for /export."""
    user = await session.get(User, user_id)
    return [n["text"] for n in (await collect(session, user=user))["notes"]]
