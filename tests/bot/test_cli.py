"""The `attune` command as an operator runs it: real processes, real exit codes."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from emulator import BotApiEmulator
from tests.e2e.harness import TOKEN

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


async def test_python_m_bot_run_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    async with BotApiEmulator(token=TOKEN) as emulator:
        env = _env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=emulator.root_url)
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
