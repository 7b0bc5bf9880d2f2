"""Checking the keyring against the data, for `attune check-config` and `attune rotate-key`:
counts only, never whose key.

Every person the data names a key for must have it in the keyring, unwrapped by
ATTUNE_DATA_KEY; keys destroyed by /delete whose rows are still there are housekeeping's
to erase; keys no person names (a start that never got as far as storing) harm nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store import sealing
from store.crypto import DataKey
from store.keyring import Keyring
from store.models import CheckIn, DataIdentity, Note, User
from store.person_keys import key_of
from store.sealing import Unreadable

# How many people's newest check-in and note a check opens, beyond unwrapping every key.
SAMPLE = 100


@dataclass(frozen=True, slots=True)
class KeyReport:
    """What the keyring holds for the data, in counts."""

    tied: bool  # the keyring serves this data (its data_id matches)
    people: int  # people with a key
    keys: int  # keys in the keyring
    refused: int  # people whose key the given ATTUNE_DATA_KEY does not unwrap
    destroyed: int  # people whose key /delete destroyed (rows left for housekeeping)
    missing: int  # people whose key is missing and was never destroyed: keyring too old
    orphans: int  # keys no person names
    opened: int  # sealed values of the sample opened
    unopened: int  # sealed values of the sample that did not open

    @property
    def sound(self) -> bool:
        """True when every person's key is there, unwraps, and the sample opens."""
        return self.tied and not (self.refused or self.missing or self.unopened)


async def keyed_people(session: AsyncSession) -> int:
    """How many people have a key (something of theirs is sealed)."""
    return int(await session.scalar(select(func.count()).where(User.key_id.is_not(None))) or 0)


async def check_keys(session: AsyncSession, keyring: Keyring, data_key: DataKey) -> KeyReport:
    """Compare the keyring with the data, unwrapping every key with `data_key`."""
    data_id = await session.scalar(select(DataIdentity.data_id))
    tied = data_id is not None and await keyring.tied_to() == data_id
    named = {
        str(key_id) for key_id in await session.scalars(select(User.key_id)) if key_id is not None
    }
    held = set(await keyring.key_ids())
    _, refused = await keyring.unwrappable(data_key)
    missing = named - held
    destroyed = await keyring.destroyed(missing)
    opened, unopened = await _open_sample(session) if tied and not refused else (0, 0)
    return KeyReport(
        tied=tied,
        people=len(named),
        keys=len(held),
        refused=len(named & set(refused)),
        destroyed=len(destroyed),
        missing=len(missing - destroyed),
        orphans=len(held - named),
        opened=opened,
        unopened=unopened,
    )


async def _open_sample(session: AsyncSession) -> tuple[int, int]:
    """Open the newest check-in and note of up to SAMPLE people: (opened, not opened)."""
    opened = unopened = 0
    people = await session.scalars(
        select(User.id).where(User.key_id.is_not(None)).order_by(User.id.desc()).limit(SAMPLE)
    )
    for user_id in list(people):
        try:
            key = await key_of(session, user_id=user_id)
        except LookupError:
            continue  # destroyed: counted above
        if key is None:
            continue
        check_in = await session.scalar(
            select(CheckIn.sealed)
            .where(CheckIn.user_id == user_id)
            .order_by(CheckIn.id.desc())
            .limit(1)
        )
        note = await session.scalar(
            select(Note.sealed_body)
            .where(Note.user_id == user_id)
            .order_by(Note.id.desc())
            .limit(1)
        )
        for sealed, where in ((check_in, sealing.CHECK_IN), (note, sealing.NOTE_BODY)):
            if sealed is None:
                continue
            try:
                key.open(sealed, where)
                opened += 1
            except Unreadable:
                unopened += 1
    return opened, unopened
