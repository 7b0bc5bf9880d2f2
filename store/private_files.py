"""Files that hold people's data or keys: readable by this user only (0600), in a folder
only this user can open (0700).

SQLite creates the -wal and -shm files with the database file's mode, so a database
created private keeps them private. Files an older version left open are closed at start
(`make_private`); the caller says so in one line.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import Final

from store.database_url import sqlite_file

PRIVATE_FILE: Final = 0o600
PRIVATE_FOLDER: Final = 0o700
# What SQLite keeps beside a database while it is open (WAL) or writing (rollback journal).
SQLITE_COMPANIONS: Final = ("-wal", "-shm", "-journal")


def create_private(path: Path) -> None:
    """Create `path` empty and private if it does not exist (before SQLite would create it
    with the umask's mode)."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


def sqlite_files(database_url: str) -> list[Path]:
    """The SQLite database DATABASE_URL names and its companion files; none for PostgreSQL."""
    database = sqlite_file(database_url)
    if database is None:
        return []
    return [database, *(database.with_name(database.name + end) for end in SQLITE_COMPANIONS)]


def make_private(files: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Close the existing `files` and their folders to everyone but this user.

    Returns what was changed, and what stays open: a folder shared on purpose (the sticky
    bit, as /tmp), or anything owned by someone else, is not this process's to close.
    """
    files = list(files)
    folders = list(dict.fromkeys(path.resolve().parent for path in files))
    changed: list[Path] = []
    left_open: list[Path] = []
    for path, mode in [(f, PRIVATE_FILE) for f in files] + [(f, PRIVATE_FOLDER) for f in folders]:
        try:
            found = path.stat()
            if not found.st_mode & 0o077:
                continue
            if found.st_uid != os.geteuid() or found.st_mode & stat.S_ISVTX:
                left_open.append(path)
                continue
            path.chmod(mode)
        except FileNotFoundError:  # not there, or gone meanwhile (SQLite removes -wal)
            continue
        changed.append(path)
    return changed, left_open
