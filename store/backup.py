"""A consistent copy of a SQLite database, taken while the bot goes on writing.

This module copies and verifies; `attune backup` (bot.maintenance) says what happened.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path


def backup_problem(source: Path | None, target: Path, *, force: bool) -> str | None:
    """Why copying `source` to `target` must not start, or None when it may."""
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


def copy_sqlite(source: Path, target: Path) -> dict[str, int]:
    """SQLite's online backup into a file next to `target`, checked, then renamed to it.

    One backup step copies every page inside one read transaction: a snapshot of what
    was committed when it began, while the bot goes on writing (WAL). Until the rename
    the copy has a name nobody takes for a finished backup. Returns rows per table.
    Raises OSError, sqlite3.Error or RuntimeError (integrity), and then leaves no file.
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
