"""The operator's commands: `attune stats`, `attune backup` and `attune check-config`.

Most run `main()` in a worker thread (it runs its own event loop) with the environment
set as an operator would; one of each runs as a real process. Bot API checks talk to the
local emulator over loopback.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Bot

from bot.cli import main
from emulator import BotApiEmulator
from store.crypto import NoteCipher, new_key
from store.db import create_engine, migrate, session_factory
from store.models import Note
from store.stats import head_revision
from tests.e2e.harness import DATA_KEY, TOKEN
from tests.e2e.processes import seed_due_people

ATTUNE = str(Path(sys.executable).with_name("attune"))
OTHER_TOKEN = "987654321:ANOTHER-token-the-emulator-does-not-know"
SECRET = "w" * 40
Env = Callable[..., None]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Env]:
    """An environment with no Attune settings but a SQLite file in tmp_path; set more."""
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "ATTUNE_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # and so no stray .env is read
    monkeypatch.setenv("DATABASE_URL", _sqlite_url(tmp_path))

    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    yield set_env


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}"


async def _attune(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


async def _migrated(tmp_path: Path, revision: str = "head") -> str:
    url = _sqlite_url(tmp_path)
    engine = create_engine(url)
    try:
        await migrate(engine, revision)
    finally:
        await engine.dispose()
    return url


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _lines(out: str) -> dict[str, str]:
    """check-config's verdict per subject, read from its fixed columns."""
    return {line[11:23].strip(): line[2:10].strip() for line in out.splitlines()[:-1]}


# --- stats ----------------------------------------------------------------------------


async def test_stats_prints_an_aligned_table_and_json(
    env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_due_people(_sqlite_url(tmp_path), count=3, due=datetime.now(UTC))
    code, out, _ = await _attune(capsys, "stats")  # no token, no key: not needed
    assert code == 0
    rows = {line.split("  ")[1].strip(): line for line in out.splitlines() if line[:2] == "  "}
    assert rows["total"].split()[-1] == "3"
    assert rows["schema"].endswith(f"{head_revision()} (up to date)")
    numbers = [line for line in out.splitlines() if line.rstrip()[-1:].isdigit()]
    assert len({len(line) for line in numbers if "schema" not in line}) == 1, "not aligned"

    code, out, _ = await _attune(capsys, "stats", "--json")
    figures = json.loads(out)
    assert code == 0
    assert (figures["people"], figures["onboarded"], figures["active_7d"]) == (3, 3, 0)
    assert sum(figures["practices"].values()) == 3
    assert figures["schema"] == figures["schema_head"] == head_revision()


async def test_stats_without_a_database_creates_none(
    env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = await _attune(capsys, "stats")
    assert code == 1
    assert "no database" in err
    assert not (tmp_path / "attune.db").exists()


# --- backup ---------------------------------------------------------------------------

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


async def test_backup_while_a_writer_commits_is_a_consistent_snapshot(
    env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await _migrated(tmp_path)
    database, backup = tmp_path / "attune.db", tmp_path / "copies" / "attune-backup.db"
    backup.parent.mkdir()
    _seed_rows(database)
    writer = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WRITER, str(database), str(SEEDED), stdout=asyncio.subprocess.PIPE
    )
    assert writer.stdout is not None
    try:
        assert await asyncio.wait_for(writer.stdout.readline(), timeout=20) == b"writing\n"
        before = _newest_user(database)
        code, out, err = await _attune(capsys, "backup", str(backup))
        after = _newest_user(database)
    finally:
        writer.kill()
        await writer.wait()
    assert code == 0, err
    assert after > before, "the writer was held up"
    assert out.startswith("attune: backed up") and "integrity ok" in out
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
    assert f"users          {users:>9,}".split() == next(
        line.split() for line in out.splitlines() if line.strip().startswith("users")
    )
    assert backup.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in backup.parent.iterdir()) == ["attune-backup.db"]


async def test_backup_refuses_to_replace_a_file_unless_forced(
    env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await _migrated(tmp_path)
    target = tmp_path / "backup.db"
    target.write_text("precious")
    code, _, err = await _attune(capsys, "backup", str(target))
    assert code == 1
    assert "--force" in err
    assert target.read_text() == "precious"
    code, _, err = await _attune(capsys, "backup", str(target), "--force")
    assert code == 0, err
    with sqlite3.connect(target) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == (
            head_revision(),
        )


async def test_a_failed_backup_leaves_no_file_behind(
    env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "attune.db").write_bytes(b"not a database at all" * 100)
    code, _, err = await _attune(capsys, "backup", str(tmp_path / "out" / "b.db"))
    assert code == 1 and "does not exist" in err
    (tmp_path / "out").mkdir()
    code, _, err = await _attune(capsys, "backup", str(tmp_path / "out" / "b.db"))
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


# --- check-config ---------------------------------------------------------------------


async def test_check_config_passes_a_good_configuration_as_a_real_process(
    tmp_path: Path,
) -> None:
    url = await _migrated(tmp_path)
    engine = create_engine(url)
    await seed_due_people(url, count=1, due=datetime.now(UTC))
    async with session_factory(engine)() as session, session.begin():
        body = NoteCipher([DATA_KEY]).encrypt("a few words")
        session.add(Note(user_id=1, body=body, created_at=datetime.now(UTC)))
    await engine.dispose()
    async with BotApiEmulator(token=TOKEN) as emulator:
        environ = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ATTUNE_"))},
            "DATABASE_URL": url,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": emulator.root_url,
            "ATTUNE_DATA_KEY": DATA_KEY,
        }
        process = await asyncio.create_subprocess_exec(
            ATTUNE, "check-config", env=environ, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    out = stdout.decode()
    assert process.returncode == 0, out + stderr.decode()
    assert _lines(out) == {
        "settings": "ok",
        "bot token": "ok",
        "notes key": "ok",
        "database": "ok",
        "stored notes": "ok",
        "Bot API": "ok",
    }
    assert out.splitlines()[-1] == "attune: all checks passed; ready to run"
    assert f"schema {head_revision()}, up to date" in out and "knows this bot as @" in out
    assert TOKEN not in out + stderr.decode() and DATA_KEY not in out + stderr.decode()
    assert [c.method for c in emulator.calls] == ["getMe"]  # and changed nothing


async def test_check_config_reports_an_unreachable_database_without_its_password(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    env(
        DATABASE_URL=f"postgresql+asyncpg://attune:hunter2-pw@127.0.0.1:{_closed_port()}/a",
        ATTUNE_DATA_KEY=DATA_KEY,
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{_closed_port()}",
    )
    code, out, _ = await _attune(capsys, "check-config")
    assert code == 1
    database = next(line for line in out.splitlines() if "database" in line)
    assert database.split()[0] == "PROBLEM"
    assert "cannot reach postgresql+asyncpg://attune:***@127.0.0.1" in database
    assert "check DATABASE_URL" in database
    assert "hunter2" not in out
    assert out.splitlines()[-1].startswith("attune: 2 problems;")  # the token and this
    assert _lines(out)["Bot API"] == "skipped"


async def test_check_config_neither_creates_nor_migrates_the_database(
    env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env(ATTUNE_DATA_KEY=DATA_KEY)
    code, out, _ = await _attune(capsys, "check-config")
    assert code == 1
    assert "does not exist yet: run `attune migrate`" in out
    assert not (tmp_path / "attune.db").exists()

    await _migrated(tmp_path, "0003")
    code, out, _ = await _attune(capsys, "check-config")
    assert code == 1
    assert f"schema at 0003: run `attune migrate` (this version needs {head_revision()})" in out
    with sqlite3.connect(tmp_path / "attune.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == ("0003",)


async def test_check_config_reports_a_token_the_bot_api_refuses(
    env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await _migrated(tmp_path)
    async with BotApiEmulator(token=TOKEN) as emulator:
        env(
            TELEGRAM_BOT_TOKEN=OTHER_TOKEN,
            TELEGRAM_API_BASE_URL=emulator.root_url,
            ATTUNE_DATA_KEY=DATA_KEY,
        )
        code, out, err = await _attune(capsys, "check-config")
    assert code == 1
    assert [(c.method, c.error_code) for c in emulator.calls] == [("getMe", 401)]
    api = next(line for line in out.splitlines() if "Bot API" in line)
    assert api.split()[0] == "PROBLEM" and "does not accept this token" in api
    assert "@BotFather" in api
    assert OTHER_TOKEN not in out + err
    assert out.splitlines()[-1].startswith("attune: 1 problem;")


async def test_check_config_reports_an_unreachable_bot_api(
    env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await _migrated(tmp_path)
    root = f"http://127.0.0.1:{_closed_port()}"
    env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=root, ATTUNE_DATA_KEY=DATA_KEY)
    code, out, err = await _attune(capsys, "check-config")
    assert code == 1
    api = next(line for line in out.splitlines() if "Bot API" in line)
    assert api.split()[0] == "PROBLEM"
    assert f"cannot reach {root}" in api and "TELEGRAM_API_BASE_URL" in api
    assert TOKEN not in out + err


async def test_check_config_reports_a_missing_or_wrong_notes_key(
    env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = await _migrated(tmp_path)
    await seed_due_people(url, count=1, due=datetime.now(UTC))
    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        body = NoteCipher([DATA_KEY]).encrypt("a few words")
        session.add(Note(user_id=1, body=body, created_at=datetime.now(UTC)))
    await engine.dispose()
    async with BotApiEmulator(token=TOKEN) as emulator:
        env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=emulator.root_url)
        code, out, _ = await _attune(capsys, "check-config")
        assert code == 1
        assert _lines(out)["notes key"] == "PROBLEM"
        assert "ATTUNE_DATA_KEY is not set" in out
        assert "stored notes" not in out  # nothing to try them with

        other = new_key()
        env(ATTUNE_DATA_KEY=other)
        code, out, _ = await _attune(capsys, "check-config")
    assert code == 1
    assert _lines(out)["notes key"] == "ok"
    assert _lines(out)["stored notes"] == "PROBLEM"
    assert '"NEW,OLD"' in out and other not in out


async def test_check_config_in_webhook_mode_reports_what_telegram_says(
    env: Env, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await _migrated(tmp_path)
    hook = f"http://127.0.0.1:{_closed_port()}/telegram"
    async with BotApiEmulator(token=TOKEN) as emulator:
        env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=emulator.root_url,
            ATTUNE_DATA_KEY=DATA_KEY,
            ATTUNE_MODE="webhook",
            ATTUNE_WEBHOOK_URL=hook,
            ATTUNE_WEBHOOK_SECRET=SECRET,
        )
        code, out, _ = await _attune(capsys, "check-config")
        assert code == 0, out
        assert "none set yet; `attune run` sets it" in out

        # The webhook is set, and Telegram cannot deliver to it.
        async with Bot(TOKEN, base_url=emulator.base_url) as bot:
            await bot.set_webhook(hook, secret_token=SECRET)
        await emulator.user(user_id=7001).send("hello")
        await emulator.wait_for_delivery(lambda d: not d.ok, timeout=10)
        code, out, err = await _attune(capsys, "check-config")
    assert code == 1
    webhook = next(line for line in out.splitlines() if "webhook" in line.split()[:2])
    assert webhook.split()[0] == "PROBLEM"
    assert "last delivery failed 0 min ago" in webhook and "ATTUNE_HTTP_PORT" in webhook
    assert SECRET not in out + err


async def test_check_config_with_unreadable_settings_exits_2_in_one_line(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    env(ATTUNE_MODE="webhook")
    code, out, err = await _attune(capsys, "check-config")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "ATTUNE_WEBHOOK_URL is required" in err
