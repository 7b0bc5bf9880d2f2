"""The `attune` command: `run` (migrate, then serve) and `migrate`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from pydantic import ValidationError

from bot.app import build_application
from bot.settings import Settings
from store.db import create_engine, migrate


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script and of `python -m bot`."""
    parser = argparse.ArgumentParser(prog="attune", description="Attune, a gentle-practice bot.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="migrate the database, then serve (long polling)")
    commands.add_parser("migrate", help="bring the database schema up to date")
    args = parser.parse_args(argv)

    try:
        settings = Settings()
        if args.command == "run":
            settings.token()  # fail before touching anything else
    except (ValidationError, ValueError) as error:
        print(f"attune: configuration error: {_one_line(error)}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_level)
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        print("attune: database is up to date")
        return 0
    return _run(settings)


def _run(settings: Settings) -> int:
    app = build_application(settings)
    app.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"])
    return 0


async def _migrate(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Libraries log request URLs (which carry the bot token) and message parameters
    # (which carry what people wrote) at DEBUG; our own DEBUG lines carry neither.
    for name, floor in _LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, logging.getLevelName(level)))


_LIBRARY_FLOORS = {
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "aiosqlite": logging.WARNING,
    "apscheduler": logging.WARNING,  # one line per tick otherwise
}


def _one_line(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
    return str(error)
