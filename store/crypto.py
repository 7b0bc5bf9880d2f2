"""Encryption of notes at rest: Fernet tokens under one or more keys (MultiFernet).

The first key encrypts; every key decrypts, so a new key can be put in front and the old
ones kept until `attune rotate-key` has re-encrypted every note under the new one.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class NoteCipher:
    """Encrypts and decrypts note text."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet([Fernet(key.strip().encode("ascii")) for key in keys])

    def encrypt(self, text: str) -> str:
        """The stored form of `text`."""
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The text behind a stored token; ValueError if no key opens it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as error:
            raise ValueError("no configured key decrypts this note") from error

    def rotate(self, token: str) -> str:
        """The token re-encrypted under the first key."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")


def new_key() -> str:
    """A fresh random key, in the form ATTUNE_DATA_KEY takes."""
    return Fernet.generate_key().decode("ascii")


def check_key(key: str) -> bool:
    """True if `key` is a valid Fernet key (32 url-safe base64-encoded bytes)."""
    try:
        Fernet(key.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False
    return True
