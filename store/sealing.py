"""Sealing what a person tells Attune with their own key: AES-GCM, bound to its column.

A sealed value is one version byte, a random 12-byte nonce, then AES-256-GCM's ciphertext
and tag. The associated data names the value's table and column, so a value copied into
another column (or another person's row: another key) does not open. AES-GCM rather than
Fernet per field: opening a /progress of 30,000 check-ins costs about a tenth (make bench).

Milestones also need a lookup that reveals nothing: `tag` is an HMAC of the milestone's key
under the person's key, so "reached once" is a unique (user, tag) pair. A check-in's practice
has one too (`practice_tag`), so a rating reads only its own practice's recent rows.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES: Final = 32
TAG_BYTES: Final = 16
_VERSION: Final = b"\x01"
_NONCE: Final = 12
# Practice tags apart from milestone tags: no milestone's key starts so.
_PRACTICE: Final = "practice:"

# Where each sealed value lives: its associated data.
CHECK_IN: Final = "check_ins.sealed"
WIN: Final = "check_ins.sealed_win"
NOTE_BODY: Final = "notes.sealed_body"
NOTE_RITUAL: Final = "notes.sealed_ritual"
MILESTONE: Final = "milestones.sealed_key"
INVITATION_NAME: Final = "invitations.sealed_name"
LINK_NAME: Final = "links.sealed_name"
LINK_MEMBER_NAME: Final = "links.sealed_member_name"


class Unreadable(ValueError):
    """A sealed value this key does not open (another key, another column, or damaged)."""


class PersonKey:
    """One person's key, ready to seal and open; `key_id` names it in the keyring."""

    __slots__ = ("_aead", "_mac", "key_id")

    def __init__(self, key_id: str, secret: bytes) -> None:
        if len(secret) != KEY_BYTES:
            raise ValueError("a person key is 32 bytes")
        self.key_id = key_id
        self._aead = AESGCM(secret)
        # A key of its own for tags, derived, so the sealing key is never used for two things.
        self._mac = hmac.digest(secret, b"attune milestone tags", hashlib.sha256)

    def seal(self, plain: bytes, where: str) -> bytes:
        """`plain`, sealed for the column `where` names."""
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, plain, where.encode("ascii"))

    def open(self, sealed: bytes, where: str) -> bytes:
        """What a value sealed for `where` holds; Unreadable if this key can't open it."""
        # A sealed value is at least the version, a nonce and GCM's 16-byte tag; anything
        # shorter (a damaged row) is unreadable, not an error of another kind.
        if sealed[:1] != _VERSION or len(sealed) < 1 + _NONCE + 16:
            raise Unreadable("not a sealed value")
        nonce, body = sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :]
        try:
            return self._aead.decrypt(nonce, body, where.encode("ascii"))
        except InvalidTag as error:
            raise Unreadable("this key does not open the value") from error

    def tag(self, text: str) -> bytes:
        """A lookup tag for `text` that only this key can make."""
        return hmac.digest(self._mac, text.encode("utf-8"), hashlib.sha256)[:TAG_BYTES]

    def practice_tag(self, ritual_key: str) -> bytes:
        """A check-in's practice as a lookup tag: equal for one person's check-ins of one
        practice, and which practice it is only this key can tell. Equal tags do show that
        two of the person's check-ins share a practice (for a prompted one, the plain
        schedule shows that already)."""
        return self.tag(_PRACTICE + ritual_key)

    def seal_text(self, text: str, where: str) -> bytes:
        """`text`, sealed for `where`."""
        return self.seal(text.encode("utf-8"), where)

    def open_text(self, sealed: bytes, where: str) -> str:
        """The text sealed for `where`."""
        return self.open(sealed, where).decode("utf-8")

    def seal_check_in(self, ritual_key: str, rating: int) -> bytes:
        """A check-in's practice and rating, sealed together: one open per row read."""
        return self.seal(f"{rating}{ritual_key}".encode(), CHECK_IN)

    def open_check_in(self, sealed: bytes) -> tuple[str, int]:
        """A check-in's (practice, rating)."""
        plain = self.open(sealed, CHECK_IN).decode("utf-8")
        return plain[1:], int(plain[0])


def new_secret() -> bytes:
    """A fresh random person key."""
    return os.urandom(KEY_BYTES)
