"""The `attune` command: `run` (migrate, then serve) and `migrate`."""

from __future__ import annotations

import argparse
import asyncio
import sys

from pydantic import ValidationError

from bot.data_key import note_cipher
from bot.logs import configure_logging
from bot.runtime import serve
from bot.settings import Settings
from store.crypto import NoteCipher, new_key
from store.db import create_engine, migrate, session_factory
from store.notes import rotate_notes


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script and of `python -m bot`."""
    parser = argparse.ArgumentParser(prog="attune", description="Attune, a gentle-practice bot.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="migrate the database, then serve (long polling)")
    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser("new-key", help="print a fresh key for ATTUNE_DATA_KEY")
    commands.add_parser(
        "rotate-key",
        help="re-encrypt every note under the first key of ATTUNE_DATA_KEY "
        '(set it to "NEW,OLD" first)',
    )
    args = parser.parse_args(argv)

    if args.command == "new-key":
        print(new_key())
        return 0
    try:
        settings = Settings()
        if args.command == "run":
            settings.token()  # fail before touching anything else
        cipher = note_cipher(settings) if args.command in ("run", "rotate-key") else None
    except (ValidationError, ValueError) as error:
        print(f"attune: configuration error: {_one_line(error)}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        print("attune: database is up to date")
        return 0
    assert cipher is not None
    if args.command == "rotate-key":
        count = asyncio.run(_rotate(settings, cipher))
        print(f"attune: re-encrypted {count} notes under the first key")
        return 0
    return _run(settings, cipher)


def _run(settings: Settings, cipher: NoteCipher) -> int:
    return serve(settings, cipher)


async def _migrate(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


async def _rotate(settings: Settings, cipher: NoteCipher) -> int:
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        async with session_factory(engine)() as session, session.begin():
            return await rotate_notes(session, cipher=cipher)
    finally:
        await engine.dispose()


def _one_line(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
    return str(error)
