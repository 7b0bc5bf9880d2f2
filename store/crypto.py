"""ATTUNE_DATA_KEY: the key that wraps every person's own key (Fernet, one or more keys).

The first key encrypts; every key decrypts, so a new key can be put in front and the old
ones kept until `attune rotate-key` has wrapped every person key again under the new one.
What a person tells Attune is sealed with their own key (store.sealing), never with this
one: a copy of the data and ATTUNE_DATA_KEY together still open nothing without the keyring.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class DataKey:
    """Encrypts and decrypts with ATTUNE_DATA_KEY's keys (Fernet tokens, as text)."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._keys = [key.strip() for key in keys]
        self._fernet = MultiFernet([Fernet(key.encode("ascii")) for key in self._keys])

    def encrypt(self, plain: bytes) -> str:
        """The token of `plain` under the first key."""
        return self._fernet.encrypt(plain).decode("ascii")

    def decrypt(self, token: str) -> bytes:
        """What a token holds; ValueError if no key opens it."""
        try:
            return self._fernet.decrypt(token.encode("ascii"))
        except InvalidToken as error:
            raise ValueError("no configured key decrypts this") from error

    def rotate(self, token: str) -> str:
        """The token encrypted again under the first key."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as error:
            raise ValueError("no configured key decrypts this") from error

    def first_only(self) -> DataKey:
        """The first key alone: what rotate-key checks every token against afterwards."""
        return DataKey(self._keys[:1])


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
