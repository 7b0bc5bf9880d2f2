"""What DATABASE_URL (and ATTUNE_KEYRING_URL) name, read without connecting: a SQLite
file, the keyring's default place, whether two name one database, or pg_dump's URL.

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


# The keyring's file when ATTUNE_KEYRING_URL is unset: beside the SQLite data file.
KEYRING_FILE = "attune-keyring.db"


def keyring_beside(database_url: str) -> str | None:
    """The default keyring for SQLite data: a file of its own beside the data's; None for
    PostgreSQL (ATTUNE_KEYRING_URL must name one)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    database = sqlite_file(database_url)
    if database is None:  # an in-memory database gets an in-memory keyring
        return url.set(database=None).render_as_string(hide_password=False)
    return url.set(database=str(database.with_name(KEYRING_FILE))).render_as_string(
        hide_password=False
    )


def same_database(one: str, other: str) -> bool:
    """True if two URLs name the same database (so a keyring there would not be apart)."""
    a, b = make_url(one), make_url(other)
    if a.get_backend_name() != b.get_backend_name():
        return False
    if a.get_backend_name() == "sqlite":
        first, second = sqlite_file(one), sqlite_file(other)
        return first is not None and second is not None and first.resolve() == second.resolve()
    port = 5432
    return (a.host or "localhost", a.port or port, a.database) == (
        b.host or "localhost",
        b.port or port,
        b.database,
    )
