"""A person's key as the data side reaches it: through the session, made on first need.

Sessions from store.db.session_factory carry the keyring, so the functions that seal and
open a person's rows keep their plain signatures. A key is made (and committed in the
keyring first) the first time something must be sealed for the person; `users.key_id`
then names it. A key_id the keyring no longer holds means the person was erased (or a
crash came between destroying the key and erasing the rows): KeyGone.

Also here: tying the keyring to this data database at start (data_identity), and, when
an operator says the keyring is lost for good, letting go of what nobody can read any more.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.util import await_only

from store.db import migrate, session_factory
from store.keyring import Keyring, KeyringProblem
from store.models import CheckIn, DataIdentity, Milestone, Note, User
from store.sealing import PersonKey

log = logging.getLogger(__name__)


class KeyGone(LookupError):
    """The person's key is no longer in the keyring: nothing of theirs can be opened."""


class KeyringBehind(RuntimeError):
    """A key is missing that was never destroyed: the keyring is older than the data."""

    def __init__(self) -> None:
        super().__init__(
            "a person's key is missing from the keyring but was never destroyed: the keyring"
            " is older than the data (restore its newest backup); nobody is erased for this"
        )


def keyring_of(session: AsyncSession) -> Keyring:
    """The keyring the session was made with; RuntimeError if it was made without one."""
    keyring = session.info.get("keyring")
    if not isinstance(keyring, Keyring):
        raise RuntimeError("this session has no keyring: store.db.session_factory(engine, k)")
    return keyring


async def key_of(session: AsyncSession, *, user_id: int) -> PersonKey | None:
    """The person's key; None if nothing of theirs was ever sealed, KeyGone if it was
    destroyed."""
    user = await session.get(User, user_id)
    if user is None or user.key_id is None:
        return None
    key = await keyring_of(session).find(user.key_id)
    if key is None:
        raise KeyGone
    return key


async def key_to_seal(session: AsyncSession, *, user_id: int) -> PersonKey:
    """The person's key, made now if they have none yet.

    The new key is committed to the keyring before any row sealed with it can be, so no
    sealed row ever outlives its key's creation. Two updates making the first key at once:
    one UPDATE ... WHERE key_id IS NULL wins, and the other's key is discarded unused.
    """
    key = await key_of(session, user_id=user_id)
    if key is not None:
        return key
    keyring = keyring_of(session)
    made = await keyring.create()
    won = await session.scalar(
        update(User)
        .where(User.id == user_id, User.key_id.is_(None))
        .values(key_id=made.key_id)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    )
    key_id = made.key_id
    if won is None:
        await keyring.discard(made.key_id)
        key_id = await session.scalar(select(User.key_id).where(User.id == user_id))
    user = await session.get(User, user_id)
    if user is not None:
        set_committed_value(user, "key_id", key_id)
    if key_id == made.key_id:
        return made
    assert key_id is not None
    found = await keyring.find(key_id)
    if found is None:
        raise KeyGone
    return found


async def key_is_gone(session: AsyncSession, *, user: User) -> bool:
    """True if the person's key was destroyed: they count as erased.

    KeyringBehind if it is missing without having been destroyed: then the keyring is what
    is wrong, and nothing of the person's may be erased for it.
    """
    if user.key_id is None:
        return False
    keyring = keyring_of(session)
    if await keyring.find(user.key_id) is not None:
        return False
    if await keyring.destroyed([user.key_id]):
        return True
    raise KeyringBehind


async def scrub_keyring(session: AsyncSession, *, within: timedelta) -> bool:
    """Scrub the keyring again if a key was destroyed in the last `within`
    (Keyring.scrub_after); nothing for a session made without a keyring."""
    keyring = session.info.get("keyring")
    return isinstance(keyring, Keyring) and await keyring.scrub_after(within)


class MigrationKeys:
    """The keyring as a data migration sees it: plain calls, from inside Alembic.

    Alembic's code is synchronous but runs in SQLAlchemy's async bridge (store.db.migrate
    runs it with run_sync), where await_only may wait for the keyring's own engine.
    """

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    def new_key(self) -> PersonKey:
        """A new person key, committed to the keyring."""
        key: PersonKey = await_only(self._keyring.create())
        return key

    def key(self, key_id: str) -> PersonKey | None:
        """The key named `key_id`, if the keyring holds it."""
        key: PersonKey | None = await_only(self._keyring.find(key_id))
        return key

    def legacy_text(self, token: str) -> str:
        """A note as versions before 0010 stored it (Fernet under ATTUNE_DATA_KEY)."""
        return self._keyring.data_key.decrypt(token).decode("utf-8")

    def legacy_token(self, text: str) -> str:
        """A note as versions before 0010 store it (for a downgrade)."""
        return self._keyring.data_key.encrypt(text.encode("utf-8"))


async def prepare(engine: AsyncEngine, keyring: Keyring, *, keyring_lost: bool = False) -> None:
    """Ready both databases: the keyring's tables, the data's schema (sealing any rows an
    older version left plain), and the tie between them.

    KeyringProblem (with a sentence for the operator) when they don't belong together, or
    ATTUNE_DATA_KEY doesn't unwrap the keys. `keyring_lost`: the operator says this data's
    keyring is gone for good; a new, empty keyring is tied to it, and what was sealed under
    the lost one (unreadable now) is erased; schedules and settings stay.
    """
    await keyring.prepare()
    await migrate(engine, keys=MigrationKeys(keyring))
    async with session_factory(engine, keyring)() as session, session.begin():
        data_id = await session.scalar(select(DataIdentity.data_id))
        assert data_id is not None, "migration 0010 writes the data's id"
        tied = await keyring.tied_to()
        if tied is None:
            await _tie(session, keyring, data_id, keyring_lost=keyring_lost)
        elif tied != data_id:
            raise KeyringProblem(
                "the keyring (ATTUNE_KEYRING_URL) belongs to another data database: point it"
                " at this data's keyring, or restore the data and keyring backups that"
                " belong together"
            )
        if keyring.has_data_key:
            await _newest_key_unwraps(session, keyring)


async def _newest_key_unwraps(session: AsyncSession, keyring: Keyring) -> None:
    """The start's quick check that ATTUNE_DATA_KEY is the key the keys were wrapped with:
    the newest person's key must unwrap (check-config and rotate-key check every one)."""
    newest = await session.scalar(
        select(User.key_id).where(User.key_id.is_not(None)).order_by(User.id.desc()).limit(1)
    )
    if newest is None:
        return
    try:
        await keyring.find(newest)
    except ValueError as error:
        raise KeyringProblem(
            "ATTUNE_DATA_KEY does not unwrap the keyring's keys: put the key they were"
            ' wrapped with back (after a new one: "NEW,OLD"), or fix ATTUNE_KEYRING_URL'
        ) from error


async def _tie(
    session: AsyncSession, keyring: Keyring, data_id: str, *, keyring_lost: bool
) -> None:
    """Tie a keyring that serves no data yet to this data. Refused if the data names keys
    this keyring doesn't hold (they are in another), unless the operator says it is lost;
    keys the migration just made here are this keyring's own."""
    newest = await session.scalar(
        select(User.key_id).where(User.key_id.is_not(None)).order_by(User.id.desc()).limit(1)
    )
    if newest is not None and not await keyring.present([newest]):
        if not keyring_lost:
            keyed = await session.scalar(select(func.count()).where(User.key_id.is_not(None)))
            raise KeyringProblem(
                f"the keyring is new, but {keyed} people's words are sealed with keys from"
                " another: restore the keyring from its backup (or fix ATTUNE_KEYRING_URL);"
                " if it is lost for good, `attune migrate --keyring-lost` erases what can no"
                " longer be read and keeps schedules"
            )
        await _let_go_of_sealed(session)
    if await keyring.tie(data_id) != data_id:  # another process tied it meanwhile
        raise KeyringProblem("the keyring was just tied to another data database")


async def _let_go_of_sealed(session: AsyncSession) -> None:
    """Erase every sealed row and every key id: the keyring that opened them is lost."""
    await session.execute(delete(Note))
    await session.execute(delete(Milestone))
    await session.execute(delete(CheckIn))
    await session.execute(update(User).values(key_id=None))
    log.warning("keyring lost: erased every sealed row; schedules and settings are kept")
