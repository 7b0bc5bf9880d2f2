"""The `attune` command: serving, migrating, keys, and the operator's tools.

What these commands print is for the person running the service: counts and verdicts,
never a secret and never anything about one person.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, WebhookInfo
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.data_key import note_cipher
from bot.http import AiohttpRequest
from bot.logs import configure_logging
from bot.runtime import serve
from bot.settings import Settings
from store.crypto import NoteCipher, new_key
from store.db import create_engine, migrate, session_factory
from store.notes import rotate_notes
from store.stats import (
    Stats,
    head_revision,
    known_revisions,
    newest_note_opens,
    overview,
    schema_revision,
)

Command = Callable[[argparse.Namespace, Settings, NoteCipher | None], int]

# check-config gives each network check this long, so a black hole can't hang it.
CHECK_TIMEOUT = 10.0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script and of `python -m bot`."""
    args = _parser().parse_args(argv)
    if args.command == "new-key":
        print(new_key())
        return 0
    # The one place settings are read and refused: one line, exit status 2.
    try:
        settings = Settings()
        if args.command == "run":
            settings.token()  # fail before touching anything else
        cipher = note_cipher(settings) if args.command in ("run", "rotate-key") else None
    except (ValidationError, ValueError) as error:
        print(f"attune: configuration error: {_one_line(error)}", file=sys.stderr)
        return 2
    # The operator's tools print their own report; Alembic's INFO lines would clutter it.
    if args.command in ("run", "migrate", "rotate-key"):
        configure_logging(settings.log_level, settings.log_format)
    command: Command = args.handler
    return command(args, settings, cipher)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="attune",
        description="Attune, a gentle-practice Telegram bot. Settings come from environment "
        "variables (or a .env file); the README lists them.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Command | None, summary: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=summary)
        sub.set_defaults(handler=handler)
        return sub

    add("run", _run, "migrate the database, then serve (long polling or webhook: ATTUNE_MODE)")
    add("migrate", _migrate, "bring the database schema up to date (replicas may run it at once)")
    add("new-key", None, "print a fresh key for ATTUNE_DATA_KEY")
    add(
        "rotate-key",
        _rotate,
        'set ATTUNE_DATA_KEY to "NEW,OLD" first; re-encrypts every note under NEW',
    )
    stats = add("stats", _stats, "print counts (people, practices, prompts), never who")
    stats.add_argument("--json", action="store_true", help="print JSON, for machines")
    backup = add(
        "backup",
        _backup,
        "copy the SQLite database to PATH, safely while the bot runs "
        "(PostgreSQL: use pg_dump --format=custom)",
    )
    backup.add_argument("path", metavar="PATH", type=Path, help="the backup file to write")
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    add(
        "check-config",
        _check_config,
        "check the settings, bot token, notes key, database and Bot API, changing nothing; "
        "exit status 0 when all is well",
    )
    return parser


def _run(args: argparse.Namespace, settings: Settings, cipher: NoteCipher | None) -> int:
    assert cipher is not None
    return serve(settings, cipher)


def _migrate(args: argparse.Namespace, settings: Settings, cipher: NoteCipher | None) -> int:
    async def go() -> None:
        engine = create_engine(settings.database_url)
        try:
            await migrate(engine)
        finally:
            await engine.dispose()

    asyncio.run(go())
    print("attune: database is up to date")
    return 0


def _rotate(args: argparse.Namespace, settings: Settings, cipher: NoteCipher | None) -> int:
    assert cipher is not None

    async def go() -> int:
        engine = create_engine(settings.database_url)
        try:
            await migrate(engine)
            async with session_factory(engine)() as session, session.begin():
                return await rotate_notes(session, cipher=cipher)
        finally:
            await engine.dispose()

    print(f"attune: re-encrypted {asyncio.run(go())} notes under the first key")
    return 0


# --- stats ---------------------------------------------------------------------------


def _stats(args: argparse.Namespace, settings: Settings, cipher: NoteCipher | None) -> int:
    missing = _missing_sqlite_file(settings.database_url)
    if missing is not None:
        print(f"attune: there is no database at {missing}", file=sys.stderr)
        return 1

    async def go() -> Stats:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                return await overview(session, now=datetime.now(UTC))
        finally:
            await engine.dispose()

    try:
        stats = asyncio.run(go())
    except (OSError, SQLAlchemyError) as error:
        hint = "`attune check-config` tells what is wrong"
        print(f"attune: cannot read the database ({_reason(error)}); {hint}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({**asdict(stats), "at": stats.at.isoformat()}, indent=2))
    else:
        print(_stats_table(stats))
    return 0


def _stats_table(stats: Stats) -> str:
    schema = stats.schema or "none"
    schema += (
        " (up to date)"
        if stats.schema == stats.schema_head
        else f" (this version needs {stats.schema_head}: `attune migrate`)"
    )
    sections: list[tuple[str, list[tuple[str, int | str]]]] = [
        (
            "people",
            [
                ("total", stats.people),
                ("onboarded", stats.onboarded),
                ("active in the last 7 days", stats.active_7d),
                ("paused now", stats.paused),
                ("blocked the bot", stats.blocked),
            ],
        ),
        ("practices switched on", [*stats.practices.items()] or [("none", 0)]),
        ("prompts due in the last 7 days, by state", [*stats.prompts_7d.items()]),
        (
            "also",
            [
                ("check-ins in the last 7 days", stats.check_ins_7d),
                ("notes stored", stats.notes),
                ("schema", schema),
            ],
        ),
    ]
    width = max(len(label) for _, rows in sections for label, _ in rows)
    lines = [f"attune stats, {stats.at:%Y-%m-%d %H:%M} UTC"]
    for title, rows in sections:
        lines += ["", title]
        lines += [
            f"  {label:<{width}}  {f'{value:>9,}' if isinstance(value, int) else value}"
            for label, value in rows
        ]
    return "\n".join(lines)


# --- backup --------------------------------------------------------------------------


def _backup(args: argparse.Namespace, settings: Settings, cipher: NoteCipher | None) -> int:
    if make_url(settings.database_url).get_backend_name() != "sqlite":
        print(
            "attune: backup copies SQLite only; for PostgreSQL run: pg_dump --format=custom "
            f'--file={args.path} "{_libpq_url(settings.database_url)}"',
            file=sys.stderr,
        )
        return 2
    source, target = _sqlite_file(settings.database_url), args.path
    problem = _backup_problem(source, target, force=args.force)
    if problem is not None:
        print(f"attune: {problem}", file=sys.stderr)
        return 1
    assert source is not None
    try:
        counts = _copy_sqlite(source, target)
    except (OSError, sqlite3.Error, RuntimeError) as error:
        print(f"attune: backup failed, nothing written: {_reason(error)}", file=sys.stderr)
        return 1
    size = _size(target.stat().st_size)
    print(f"attune: backed up {source} to {target} ({size}, integrity ok)")
    width = max(map(len, counts), default=0)
    for table, count in counts.items():
        print(f"  {table:<{width}}  {count:>9,}")
    return 0


def _backup_problem(source: Path | None, target: Path, *, force: bool) -> str | None:
    if source is None:
        return "DATABASE_URL names no SQLite file to back up"
    if not source.is_file():
        return f"there is no database at {source}"
    if target.is_dir():
        return f"{target} is a folder; give the backup file's name"
    if target.exists() and target.resolve() == source.resolve():
        return "PATH is the database itself; choose another"
    if target.exists() and not force:
        return f"{target} exists; add --force to replace it"
    if not target.parent.is_dir():
        return f"the folder {target.parent} does not exist"
    return None


def _copy_sqlite(source: Path, target: Path) -> dict[str, int]:
    """SQLite's online backup into a file next to `target`, checked, then renamed to it.

    One backup step copies every page inside one read transaction: a snapshot of what
    was committed when it began, while the bot goes on writing (WAL). Until the rename
    the copy has a name nobody takes for a finished backup. Returns rows per table.
    """
    # mkstemp makes the file readable by this user only: a backup holds everything.
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".partial", dir=target.parent
    )
    os.close(handle)
    partial = Path(name)
    try:
        # mode=rw: a missing database is an error, not a new empty file.
        origin = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=30)
        with closing(origin) as src, closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            verdict = dst.execute("PRAGMA integrity_check").fetchall()
            if verdict != [("ok",)]:
                raise RuntimeError(f"the copy fails SQLite's integrity check: {verdict[0]}")
            tables = dst.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                "'sqlite_%' AND name != 'alembic_version' ORDER BY name"
            ).fetchall()
            counts = {
                t: dst.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for (t,) in tables
            }
        _fsync(partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _fsync(target.parent)  # the rename itself survives a power cut
    return counts


def _fsync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _size(size: float) -> str:
    unit = "bytes"
    for bigger in ("KB", "MB", "GB"):
        if size < 1024:
            break
        size, unit = size / 1024, bigger
    return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"


# --- check-config --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Check:
    """One line of check-config: what was checked, how it went, and what to do."""

    subject: str
    status: Literal["ok", "PROBLEM", "skipped"]
    detail: str


def _check_config(args: argparse.Namespace, settings: Settings, cipher: NoteCipher | None) -> int:
    checks = asyncio.run(_checks(settings))
    secrets = _secrets(settings)
    for check in checks:
        line = f"  {check.status:<8} {check.subject:<12} {check.detail}"
        for secret in secrets:
            line = line.replace(secret, "***")
        print(line)
    problems = sum(check.status == "PROBLEM" for check in checks)
    if problems:
        noun = "problem" if problems == 1 else "problems"
        print(f"attune: {problems} {noun}; fix, then run `attune check-config` again")
        return 1
    print("attune: all checks passed; ready to run")
    return 0


async def _checks(settings: Settings) -> list[Check]:
    where = f"HTTP on {settings.http_host}:{settings.http_port}"
    checks = [Check("settings", "ok", f"{settings.mode} mode, {where}, {settings.env}")]
    try:
        token: str | None = settings.token()
        checks.append(Check("bot token", "ok", "has the form of a bot token"))
    except ValueError as error:
        token = None
        checks.append(Check("bot token", "PROBLEM", str(error)))
    try:
        cipher: NoteCipher | None = note_cipher(settings)
        found = "present and well-formed" if settings.data_key else "a development key file"
        checks.append(Check("notes key", "ok", found))
    except ValueError as error:
        cipher = None
        checks.append(Check("notes key", "PROBLEM", str(error)))
    checks += await _database_checks(settings, cipher)
    checks += await _bot_api_checks(settings, token)
    return checks


async def _database_checks(settings: Settings, cipher: NoteCipher | None) -> list[Check]:
    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    missing = _missing_sqlite_file(settings.database_url)
    if missing is not None and not missing.parent.is_dir():
        fix = f"the folder {missing.parent} does not exist; create it or fix DATABASE_URL"
        return [Check("database", "PROBLEM", fix)]
    if missing is not None:  # connecting would create it: report instead
        fix = "run `attune migrate` to create it"
        return [Check("database", "PROBLEM", f"{missing} does not exist yet: {fix}")]
    engine = create_engine(settings.database_url)
    try:
        async with asyncio.timeout(CHECK_TIMEOUT), session_factory(engine)() as session:
            await session.execute(text("SELECT 1"))
            current = await schema_revision(session)
            head = head_revision()
            opens = None
            if cipher is not None and current == head:
                opens = await newest_note_opens(session, cipher=cipher)
    except (OSError, SQLAlchemyError, TimeoutError) as error:
        fix = "check DATABASE_URL and that the database server is running and reachable"
        return [Check("database", "PROBLEM", f"cannot reach {shown} ({_reason(error)}); {fix}")]
    finally:
        await engine.dispose()
    if current != head:
        return [Check("database", "PROBLEM", _schema_problem(shown, current, head))]
    checks = [Check("database", "ok", f"{shown} answers; schema {head}, up to date")]
    if opens is False:
        fix = 'put the key they were written with back, after the new one ("NEW,OLD")'
        checks.append(Check("stored notes", "PROBLEM", f"ATTUNE_DATA_KEY opens none; {fix}"))
    elif opens is True:
        checks.append(Check("stored notes", "ok", "the newest note opens with ATTUNE_DATA_KEY"))
    return checks


def _schema_problem(shown: str, current: str | None, head: str) -> str:
    if current is None or current in known_revisions():
        at = f"at {current}" if current else "empty"
        return f"{shown} answers; schema {at}: run `attune migrate` (this version needs {head})"
    fix = "run that version of Attune, or restore a backup"
    return f"{shown} is at {current}, from a newer Attune than this one ({head}); {fix}"


async def _bot_api_checks(settings: Settings, token: str | None) -> list[Check]:
    root = settings.telegram_api_base_url or "https://api.telegram.org"
    if token is None:
        return [Check("Bot API", "skipped", "needs a bot token")]
    request = AiohttpRequest(connect_timeout=5, read_timeout=5, write_timeout=5, pool_timeout=5)
    bot = Bot(
        token,
        base_url=f"{root}/bot",
        base_file_url=f"{root}/file/bot",
        request=request,
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )
    try:
        async with asyncio.timeout(CHECK_TIMEOUT), bot:  # getMe
            webhook = await bot.get_webhook_info() if settings.mode == "webhook" else None
    except InvalidToken:
        fix = "copy it again from @BotFather (/mybots, API Token)"
        return [Check("Bot API", "PROBLEM", f"{root} does not accept this token: {fix}")]
    except (NetworkError, TimeoutError, OSError) as error:
        fix = "check the network, a firewall or proxy, or TELEGRAM_API_BASE_URL"
        return [Check("Bot API", "PROBLEM", f"cannot reach {root} ({_reason(error)}); {fix}")]
    except TelegramError as error:
        return [Check("Bot API", "PROBLEM", f"{root} answered getMe with: {_reason(error)}")]
    checks = [Check("Bot API", "ok", f"{root} knows this bot as @{bot.username}")]
    if webhook is not None:
        checks.append(_webhook_check(settings, webhook))
    return checks


def _webhook_check(settings: Settings, info: WebhookInfo) -> Check:
    waiting = f"{info.pending_update_count} updates waiting"
    if info.last_error_date is not None:
        ago = datetime.now(UTC) - info.last_error_date
        if ago < timedelta(hours=1):
            fix = f"check that ATTUNE_WEBHOOK_URL reaches ATTUNE_HTTP_PORT ({settings.http_port})"
            said = f"{int(ago.total_seconds() // 60)} min ago: {info.last_error_message}"
            return Check("webhook", "PROBLEM", f"Telegram's last delivery failed {said}; {fix}")
    if not info.url:
        return Check("webhook", "ok", f"none set yet; `attune run` sets it ({waiting})")
    if info.url != settings.webhook_url:
        detail = (
            f"set to another URL; `attune run` replaces it with ATTUNE_WEBHOOK_URL ({waiting})"
        )
        return Check("webhook", "ok", detail)
    return Check("webhook", "ok", f"set to ATTUNE_WEBHOOK_URL ({waiting})")


def _secrets(settings: Settings) -> list[str]:
    """Every secret value the settings hold, so that no output line carries one."""
    values = [
        settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else "",
        settings.webhook_secret.get_secret_value() if settings.webhook_secret else "",
        make_url(settings.database_url).password or "",
    ]
    if settings.data_key is not None:
        values += settings.data_key.get_secret_value().split(",")
    return sorted({v.strip() for v in values if len(v.strip()) >= 4}, key=len, reverse=True)


# --- shared --------------------------------------------------------------------------


def _sqlite_file(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _missing_sqlite_file(database_url: str) -> Path | None:
    """The SQLite file DATABASE_URL names if it doesn't exist (connecting would create it)."""
    path = _sqlite_file(database_url)
    return path if path is not None and not path.exists() else None


def _libpq_url(database_url: str) -> str:
    """DATABASE_URL as pg_dump takes it, without the password (PGPASSWORD can supply it)."""
    url = make_url(database_url)
    bare = URL.create("postgresql", url.username, None, url.host, url.port, url.database)
    return bare.render_as_string(hide_password=False)


def _reason(error: BaseException) -> str:
    """An error's type and first line, for a one-line verdict."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def _one_line(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
    return str(error)
