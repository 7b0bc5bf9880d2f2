"""The keyring's tables: person keys (wrapped), the ids of keys destroyed on purpose, and
the one row that ties the keyring to one data database. store.keyring reads and writes them.

Made by `create_all`, not Alembic: nothing here has needed a migration yet, and
`keyring_meta.version` leaves room for the first one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Final

from sqlalchemy import SmallInteger, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from store.models import UTCDateTime

SCHEMA_VERSION: Final = 1


class KeyringBase(DeclarativeBase):
    """The keyring's own tables, apart from the data's."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class PersonKeyRow(KeyringBase):
    """One person's key, wrapped (a Fernet token under ATTUNE_DATA_KEY)."""

    __tablename__ = "person_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    wrapped: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class DestroyedKey(KeyringBase):
    """The id of a key destroyed on purpose (/delete), nothing else.

    It tells "erased" from "missing": a person whose key is destroyed counts as erased, but
    a key missing without one means the keyring is older than the data (a backup restored
    over it), and nobody is erased for that.
    """

    __tablename__ = "destroyed_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    destroyed_at: Mapped[datetime]


class KeyringMeta(KeyringBase):
    """The one data database this keyring serves (its data_identity), and its schema."""

    __tablename__ = "keyring_meta"

    data_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(SmallInteger, default=SCHEMA_VERSION)
