"""What DATABASE_URL names, read without connecting: its SQLite file, or pg_dump's URL.

Connecting to a SQLite URL creates the file, so the operator's tools look here first.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url


def sqlite_file(database_url: str) -> Path | None:
    """The file a SQLite DATABASE_URL names; None for PostgreSQL or an in-memory database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def missing_sqlite_file(database_url: str) -> Path | None:
    """The SQLite file DATABASE_URL names if it doesn't exist (connecting would create it)."""
    path = sqlite_file(database_url)
    return path if path is not None and not path.exists() else None


def libpq_url(database_url: str) -> str:
    """DATABASE_URL as pg_dump takes it, without the password (PGPASSWORD can supply it)."""
    url = make_url(database_url)
    bare = URL.create("postgresql", url.username, None, url.host, url.port, url.database)
    return bare.render_as_string(hide_password=False)
