"""`attune check-config`: one line per check, a verdict, exit status 0 only when all is well.

One test runs it as a real process; the others run `main()` in-process (conftest).
Bot API checks talk to the local emulator over loopback.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from telegram import Bot

from emulator import BotApiEmulator
from messages.resources import DEFAULT_RESOURCES
from store.crypto import DataKey, new_key
from store.db import create_engine, session_factory
from store.keyring import open_keyring
from store.notes import add_note
from store.person_keys import prepare
from store.stats import head_revision
from tests.bot.conftest import ATTUNE, Attune, Env, Migrated
from tests.databases import keyring_for
from tests.e2e.harness import DATA_KEY, TOKEN
from tests.e2e.processes import seed_due_people

OTHER_TOKEN = "987654321:ANOTHER-token-the-emulator-does-not-know"
SECRET = "w" * 40


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _lines(out: str) -> dict[str, str]:
    """check-config's verdict per subject, read from its fixed columns."""
    return {line[11:23].strip(): line[2:10].strip() for line in out.splitlines()[:-1]}


async def _add_a_note(url: str) -> None:
    """One person with one note, sealed under their key (wrapped by DATA_KEY)."""
    await seed_due_people(url, count=1, due=datetime.now(UTC))
    engine, ring = create_engine(url), keyring_for(url)
    await prepare(engine, ring)
    async with session_factory(engine, ring)() as session, session.begin():
        await add_note(session, user_id=1, text="a few words", now=datetime.now(UTC))
    await engine.dispose()
    await ring.dispose()


async def test_check_config_passes_a_good_configuration_as_a_real_process(
    emulator: BotApiEmulator, tmp_path: Path, migrated: Migrated
) -> None:
    url = await migrated()
    await _add_a_note(url)
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
        "help lines": "ok",
        "bot token": "ok",
        "data key": "ok",
        "database": "ok",
        "keyring": "ok",
        "Bot API": "ok",
    }
    assert out.splitlines()[-1] == "attune: all checks passed; ready to run"
    assert f"schema {head_revision()}, up to date" in out and "knows this bot as @" in out
    assert "1 people's keys, all unwrap; 1 sealed values of a sample open" in out
    assert TOKEN not in out + stderr.decode() and DATA_KEY not in out + stderr.decode()
    assert [c.method for c in emulator.calls] == ["getMe"]  # and changed nothing


async def test_check_config_reports_a_malformed_help_lines_file_in_one_line(
    env: Env, tmp_path: Path, attune: Attune, migrated: Migrated
) -> None:
    await migrated()
    broken = tmp_path / "help.toml"
    broken.write_text('[default]\nsuicide = "not a list"\n', encoding="utf-8")
    env(ATTUNE_DATA_KEY=DATA_KEY, ATTUNE_CRISIS_RESOURCES=str(broken))
    code, out, _ = await attune("check-config")
    assert code == 1
    assert _lines(out)["help lines"] == "PROBLEM"
    line = next(line for line in out.splitlines() if "help lines" in line)
    assert f"crisis resources {broken}: [default] suicide must be a list of strings" in line
    assert "ATTUNE_CRISIS_RESOURCES" in line
    assert out.splitlines()[-1].startswith("attune: 2 problems;")  # the token and this

    env(ATTUNE_CRISIS_RESOURCES=str(DEFAULT_RESOURCES))
    code, out, _ = await attune("check-config")
    assert _lines(out)["help lines"] == "ok"
    assert out.splitlines()[-1].startswith("attune: 1 problem;")  # the token only


async def test_check_config_reports_an_unreachable_database_without_its_password(
    env: Env, attune: Attune
) -> None:
    port = _closed_port()
    env(
        DATABASE_URL=f"postgresql+asyncpg://attune:hunter2-pw@127.0.0.1:{port}/a",
        ATTUNE_KEYRING_URL=f"postgresql+asyncpg://attune:hunter3-pw@127.0.0.1:{port}/a_keys",
        ATTUNE_DATA_KEY=DATA_KEY,
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{_closed_port()}",
    )
    code, out, _ = await attune("check-config")
    assert code == 1
    database = next(line for line in out.splitlines() if "database" in line)
    assert database.split()[0] == "PROBLEM"
    assert "cannot reach postgresql+asyncpg://attune:***@127.0.0.1" in database
    assert "check DATABASE_URL" in database
    assert "hunter2" not in out and "hunter3" not in out
    assert out.splitlines()[-1].startswith("attune: 2 problems;")  # the token and this
    assert _lines(out)["Bot API"] == "skipped"


async def test_check_config_neither_creates_nor_migrates_the_database(
    env: Env, tmp_path: Path, attune: Attune, migrated: Migrated
) -> None:
    env(ATTUNE_DATA_KEY=DATA_KEY)
    code, out, _ = await attune("check-config")
    assert code == 1
    assert "does not exist yet: run `attune migrate`" in out
    assert not (tmp_path / "attune.db").exists()

    await migrated("0003")
    await attune("check-config")
    with sqlite3.connect(tmp_path / "attune.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == ("0003",)


async def test_check_config_passes_a_schema_that_attune_run_will_migrate(
    env: Env, tmp_path: Path, attune: Attune, migrated: Migrated
) -> None:
    """`attune run` migrates at start, so an older schema is no reason to stop."""
    env(ATTUNE_DATA_KEY=DATA_KEY)
    sqlite3.connect(tmp_path / "attune.db").close()  # there, and empty
    code, out, _ = await attune("check-config")
    assert code == 1
    assert _lines(out)["database"] == "ok"
    assert f"no schema yet, `attune run` will create it at {head_revision()}" in out
    assert "keyring" not in out  # nothing stored yet
    assert out.splitlines()[-1].startswith("attune: 1 problem;")  # the token only

    await migrated("0003")
    code, out, _ = await attune("check-config")
    assert code == 1
    assert _lines(out)["database"] == "ok"
    assert f"schema 0003, `attune run` will migrate it to {head_revision()}" in out
    assert _lines(out)["keyring"] == "skipped"
    assert out.splitlines()[-1].startswith("attune: 1 problem;")  # the token only


async def test_check_config_refuses_a_schema_from_a_newer_attune(
    env: Env, tmp_path: Path, attune: Attune, migrated: Migrated
) -> None:
    env(ATTUNE_DATA_KEY=DATA_KEY)
    await migrated()
    with sqlite3.connect(tmp_path / "attune.db") as db:
        db.execute("UPDATE alembic_version SET version_num = '0099'")
    code, out, _ = await attune("check-config")
    assert code == 1
    assert _lines(out)["database"] == "PROBLEM"
    assert f"is at 0099, from a newer Attune than this one ({head_revision()})" in out
    assert "keyring" not in out
    assert out.splitlines()[-1].startswith("attune: 2 problems;")  # the token and this


async def test_check_config_reports_a_token_the_bot_api_refuses(
    emulator: BotApiEmulator, env: Env, attune: Attune, migrated: Migrated
) -> None:
    await migrated()
    env(
        TELEGRAM_BOT_TOKEN=OTHER_TOKEN,
        TELEGRAM_API_BASE_URL=emulator.root_url,
        ATTUNE_DATA_KEY=DATA_KEY,
    )
    code, out, err = await attune("check-config")
    assert code == 1
    assert [(c.method, c.error_code) for c in emulator.calls] == [("getMe", 401)]
    api = next(line for line in out.splitlines() if "Bot API" in line)
    assert api.split()[0] == "PROBLEM" and "does not accept this token" in api
    assert "@BotFather" in api
    assert OTHER_TOKEN not in out + err
    assert out.splitlines()[-1].startswith("attune: 1 problem;")


async def test_check_config_reports_an_unreachable_bot_api(
    env: Env, attune: Attune, migrated: Migrated
) -> None:
    await migrated()
    root = f"http://127.0.0.1:{_closed_port()}"
    env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=root, ATTUNE_DATA_KEY=DATA_KEY)
    code, out, err = await attune("check-config")
    assert code == 1
    api = next(line for line in out.splitlines() if "Bot API" in line)
    assert api.split()[0] == "PROBLEM"
    assert f"cannot reach {root}" in api and "TELEGRAM_API_BASE_URL" in api
    assert TOKEN not in out + err


async def test_check_config_reports_a_missing_or_wrong_data_key(
    emulator: BotApiEmulator, env: Env, attune: Attune, migrated: Migrated
) -> None:
    await _add_a_note(await migrated())
    env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=emulator.root_url)
    code, out, _ = await attune("check-config")
    assert code == 1
    assert _lines(out)["data key"] == "PROBLEM"
    assert "ATTUNE_DATA_KEY is not set" in out
    assert "keyring" not in out  # nothing to try its keys with

    other = new_key()
    env(ATTUNE_DATA_KEY=other)
    code, out, _ = await attune("check-config")
    assert code == 1
    assert _lines(out)["data key"] == "ok"
    assert _lines(out)["keyring"] == "PROBLEM"
    assert "unwraps none of 1 people's keys" in out
    assert '"NEW,OLD"' in out and other not in out


async def test_check_config_reports_a_keyring_that_is_missing_or_another_datas(
    emulator: BotApiEmulator, env: Env, attune: Attune, migrated: Migrated, tmp_path: Path
) -> None:
    await _add_a_note(await migrated())
    env(
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=emulator.root_url, ATTUNE_DATA_KEY=DATA_KEY
    )
    code, out, _ = await attune("check-config")
    assert code == 0, out

    # A keyring moved away: the person's key is gone with it.
    ring = tmp_path / "attune-keyring.db"
    ring.rename(tmp_path / "moved.db")
    code, out, _ = await attune("check-config")
    assert code == 1 and _lines(out)["keyring"] == "PROBLEM"
    assert "does not exist, and 1 people's keys were in it" in out
    assert "restore the keyring's newest backup" in out
    assert not ring.exists()  # and checking made no new one

    # Another data's keyring (a data database of its own, with its own keyring).
    other = tmp_path / "other"
    other.mkdir()
    other_url = f"sqlite+aiosqlite:///{other / 'attune.db'}"
    await _add_a_note(other_url)
    env(ATTUNE_KEYRING_URL=f"sqlite+aiosqlite:///{other / 'attune-keyring.db'}")
    code, out, _ = await attune("check-config")
    assert code == 1 and _lines(out)["keyring"] == "PROBLEM"
    assert "is not this data's keyring" in out

    # The right keyring again, with a key no one uses (a new key whose rows never came):
    # reported, and no problem.
    moved = f"sqlite+aiosqlite:///{tmp_path / 'moved.db'}"
    env(ATTUNE_KEYRING_URL=moved)
    spare = open_keyring(moved, DataKey([DATA_KEY]))
    await spare.create()
    await spare.dispose()
    code, out, _ = await attune("check-config")
    assert code == 0, out
    assert "1 keys no one uses (harmless)" in out


async def test_check_config_in_webhook_mode_reports_what_telegram_says(
    emulator: BotApiEmulator, env: Env, attune: Attune, migrated: Migrated
) -> None:
    await migrated()
    hook = f"http://127.0.0.1:{_closed_port()}/telegram"
    env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=emulator.root_url,
        ATTUNE_DATA_KEY=DATA_KEY,
        ATTUNE_MODE="webhook",
        ATTUNE_WEBHOOK_URL=hook,
        ATTUNE_WEBHOOK_SECRET=SECRET,
    )
    code, out, _ = await attune("check-config")
    assert code == 0, out
    assert "none set yet; `attune run` sets it" in out

    # The webhook is set, and Telegram cannot deliver to it.
    async with Bot(TOKEN, base_url=emulator.base_url) as bot:
        await bot.set_webhook(hook, secret_token=SECRET)
    await emulator.user(user_id=7001).send("hello")
    await emulator.wait_for_delivery(lambda d: not d.ok, timeout=10)
    code, out, err = await attune("check-config")
    assert code == 1
    webhook = next(line for line in out.splitlines() if "webhook" in line.split()[:2])
    assert webhook.split()[0] == "PROBLEM"
    assert "last delivery failed 0 min ago" in webhook and "ATTUNE_HTTP_PORT" in webhook
    assert SECRET not in out + err


async def test_check_config_with_unreadable_settings_exits_2_in_one_line(
    env: Env, attune: Attune
) -> None:
    env(ATTUNE_MODE="webhook")
    code, out, err = await attune("check-config")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "ATTUNE_WEBHOOK_URL is required" in err


async def test_check_config_with_paid_broadcast_shows_the_stars_and_warns_at_none(
    emulator: BotApiEmulator, env: Env, attune: Attune, migrated: Migrated
) -> None:
    await migrated()
    env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=emulator.root_url,
        ATTUNE_DATA_KEY=DATA_KEY,
        ATTUNE_PAID_BROADCAST="on",
        ATTUNE_PAID_BROADCAST_DAILY_STARS="500",
    )
    emulator.star_balance = Decimal("1234.5")
    code, out, _ = await attune("check-config")
    assert code == 0, out
    assert _lines(out)["Stars"] == "ok"
    assert "1,234.5 Stars; a day's budget is 500 Stars" in out
    assert [c.method for c in emulator.calls] == ["getMe", "getMyStarBalance"]

    emulator.star_balance = 0
    code, out, _ = await attune("check-config")
    assert code == 0, out  # a warning fails nothing: prompts still go, at the free pace
    assert _lines(out)["Stars"] == "warning"
    assert "the bot has 0 Stars" in out and "ATTUNE_PAID_BROADCAST=off" in out
    assert out.splitlines()[-1] == "attune: all checks passed; ready to run"
