"""Where the keys come from: ATTUNE_DATA_KEY (or a development key file), which wraps the
person keys, and the keyring that holds them (ATTUNE_KEYRING_URL, or beside SQLite data)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.settings import Settings
from store.crypto import DataKey, check_key, new_key
from store.keyring import Keyring, open_keyring

log = logging.getLogger(__name__)

KEY_FILE = "attune-data.key"


def load_data_key(settings: Settings) -> DataKey:
    """ATTUNE_DATA_KEY; ValueError with an operator-facing sentence if there is none.

    ATTUNE_DATA_KEY holds one key, or several separated by commas (the first encrypts,
    all decrypt: that is how keys rotate). Without it, only ATTUNE_ENV=development may
    start, with a key file created once next to the SQLite database.
    """
    if _from_settings(settings):
        assert settings.data_key is not None
        keys = [k.strip() for k in settings.data_key.get_secret_value().split(",") if k.strip()]
        if not all(check_key(k) for k in keys):
            raise ValueError("ATTUNE_DATA_KEY is not a valid key; make one with `attune new-key`.")
        return DataKey(keys)
    if settings.env != "development":
        raise ValueError(
            "ATTUNE_DATA_KEY is not set; every person's key is wrapped with it. Make one with "
            "`attune new-key`, or set ATTUNE_ENV=development to use a local key file."
        )
    return DataKey([_development_key(_key_path(settings.database_url))])


def keyring(settings: Settings, data_key: DataKey | None) -> Keyring:
    """The keyring the settings name; without `data_key` it can be tied and counted, but no
    key in it can be made or unwrapped."""
    return open_keyring(settings.keyring(), data_key)


def key_file(settings: Settings) -> Path | None:
    """The development key file, when that is where the key comes from."""
    if _from_settings(settings) or settings.env != "development":
        return None
    return _key_path(settings.database_url)


def _from_settings(settings: Settings) -> bool:
    return settings.data_key is not None and bool(settings.data_key.get_secret_value().strip())


def _key_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).resolve().with_name(KEY_FILE)
    return Path.cwd() / KEY_FILE


def _development_key(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    key = new_key()
    # Created readable by this user only, before any key material is written.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    log.warning("development mode: created a data key file at %s (mode 0600)", path)
    return key
