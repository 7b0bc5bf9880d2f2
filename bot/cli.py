"""The `attune` command: its arguments, the one place settings are refused, and dispatch.

Each command lives in its own module (bot.check_config, bot.stats_report,
bot.maintenance); what they print is for the person running the service: counts and
verdicts, never a secret and never anything about one person.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from bot import maintenance
from bot.check_config import check_config
from bot.data_key import load_data_key
from bot.logs import configure_logging
from bot.runtime import serve
from bot.settings import Settings
from bot.stats_report import print_stats
from store.crypto import DataKey, new_key

Command = Callable[[argparse.Namespace, Settings, DataKey | None], int]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script and of `python -m bot`."""
    args = _parser().parse_args(argv)
    if args.command == "new-key":
        print(new_key())
        return 0
    if args.command == "try":
        return _try(args)
    # Settings are read and refused here (for `try`, with its own, in _try): one line on
    # stderr, exit status 2.
    try:
        settings = Settings()
        if args.command == "run":
            settings.token()  # fail before touching anything else
        data_key = load_data_key(settings) if args.command in ("run", "rotate-key") else None
    except (ValidationError, ValueError) as error:
        return _refused(error)
    # The operator's tools print their own report; Alembic's INFO lines would clutter it.
    if args.command in ("run", "migrate", "rotate-key"):
        configure_logging(settings.log_level, settings.log_format)
    command: Command = args.handler
    return command(args, settings, data_key)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="attune",
        description="Attune, a gentle-practice Telegram bot. Settings come from environment "
        "variables (or a .env file; in the image only ATTUNE_ENV_FILE's); the README lists them.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Command | None, summary: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=summary)
        sub.set_defaults(handler=handler)
        return sub

    add("run", _run, "migrate the database, then serve (long polling or webhook: ATTUNE_MODE)")
    migrate = add(
        "migrate",
        lambda args, settings, _key: maintenance.migrate_database(
            settings, keyring_lost=args.keyring_lost
        ),
        "bring the database and keyring schemas up to date (replicas may run it at once)",
    )
    migrate.add_argument(
        "--keyring-lost",
        action="store_true",
        help="the keyring is lost for good: tie a new one, erasing what no key opens any more"
        " (ratings, notes, named steps, milestones); schedules and settings stay",
    )
    add("new-key", None, "print a fresh key for ATTUNE_DATA_KEY")
    tryout = add(
        "try",
        None,
        "talk to the bot here in the terminal, as a Telegram user, with a clock you move: "
        "no token and no network (a local stand-in for Telegram)",
    )
    tryout.add_argument(
        "--db",
        metavar="PATH",
        type=_database_file,
        help="a SQLite file to keep the conversation in (default: a throwaway one)",
    )
    tryout.add_argument(
        "--lang",
        default="en",
        type=_language,
        help="the Telegram language of the person you play, e.g. de (default: en)",
    )
    add(
        "rotate-key",
        _rotate,
        'set ATTUNE_DATA_KEY to "NEW,OLD" first; wraps every person key again under NEW'
        " and checks each one",
    )
    stats = add(
        "stats",
        lambda args, settings, _key: print_stats(settings, as_json=args.json),
        "print counts (people, practices, prompts), never who",
    )
    stats.add_argument("--json", action="store_true", help="print JSON, for machines")
    backup = add(
        "backup",
        lambda args, settings, _key: maintenance.backup(
            settings, args.path, keyring_target=args.keyring, force=args.force
        ),
        "copy the SQLite data to PATH and the keyring to a file of its own, safely while the"
        " bot runs (PostgreSQL: use pg_dump --format=custom, once per database)",
    )
    backup.add_argument("path", metavar="PATH", type=Path, help="the data's backup file")
    backup.add_argument(
        "--keyring",
        metavar="KEYRING_PATH",
        type=Path,
        default=None,
        help="the keyring's backup file (default: PATH.keyring); keep it apart, and briefly",
    )
    backup.add_argument("--force", action="store_true", help="replace the files if they exist")
    add(
        "check-config",
        lambda args, settings, _key: check_config(settings),
        "check the settings, help lines, bot token, data key, database, keyring and Bot API,"
        " changing nothing; exit status 0 when all is well",
    )
    return parser


def _try(args: argparse.Namespace) -> int:
    # Only `try` needs the emulator and the terminal library: imported here, not for `run`.
    from tryout.session import place_for, try_out, try_settings

    with place_for(args.db) as place:
        try:
            settings = try_settings(place)
            # The bot's log goes beside the database: the terminal is the conversation.
            configure_logging(settings.log_level, settings.log_format, to=place.log)
            data_key = load_data_key(settings)
        except (ValidationError, ValueError) as error:
            return _refused(error)
        return try_out(settings, data_key, place, lang=args.lang)


def _database_file(value: str) -> Path:
    """A SQLite file that exists or can be made: a file, in a folder that exists."""
    path = Path(value)
    if path.is_dir() or not path.resolve().parent.is_dir():
        raise argparse.ArgumentTypeError(f"{value!r} is not a file in a folder that exists")
    return path


def _language(value: str) -> str:
    """A language tag as Telegram gives one (`de`, `pt-br`)."""
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a language code like de or pt-br")
    return value.lower()


def _run(args: argparse.Namespace, settings: Settings, data_key: DataKey | None) -> int:
    assert data_key is not None  # main() builds one for run
    return serve(settings, data_key)


def _rotate(args: argparse.Namespace, settings: Settings, data_key: DataKey | None) -> int:
    assert data_key is not None  # main() builds one for rotate-key
    return maintenance.rotate_key(settings, data_key)


def _refused(error: Exception) -> int:
    """Settings refused: one line on stderr, exit status 2."""
    print(f"attune: configuration error: {_one_line(error)}", file=sys.stderr)
    return 2


def _one_line(error: Exception) -> str:
    if isinstance(error, ValidationError):
        # A check of several settings together has no field to name: its sentence does.
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            if e["loc"]
            else e["msg"].removeprefix("Value error, ")
            for e in error.errors()
        )
    return str(error)
