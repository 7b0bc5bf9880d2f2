"""store.invitations on SQLite and PostgreSQL: single use, expiry, one's own, a forwarded
link, the limit on guessing, partners one at a time, and /delete reaching both sides."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import session_factory
from store.invitations import (
    CONFIDANT,
    LIFETIME,
    MAX_TRIES,
    PARTNER,
    TRIES_WINDOW,
    Refusal,
    accept_pending,
    create_invitation,
    end_link,
    links_of,
    look_up,
    names,
    open_invitations,
    pending,
    purge_invitations,
    redeem,
    revoke_invitation,
    token_hash,
)
from store.keyring import Keyring
from store.models import Invitation, Link, User
from store.users import forget_user

T0 = datetime(2026, 12, 10, 20, 0, tzinfo=UTC)


async def _people(engine: AsyncEngine, keyring: Keyring, *telegram_ids: int) -> list[int]:
    async with session_factory(engine, keyring)() as session, session.begin():
        users = [User(telegram_id=t, chat_id=t, created_at=T0) for t in telegram_ids]
        session.add_all(users)
        await session.flush()
        return [u.id for u in users]


async def _invite(
    engine: AsyncEngine, keyring: Keyring, inviter: int, kind: str = CONFIDANT, at: datetime = T0
) -> str:
    async with session_factory(engine, keyring)() as session, session.begin():
        return await create_invitation(
            session, inviter=inviter, kind=kind, shown_name="Alex", now=at
        )


async def _redeem(
    engine: AsyncEngine, keyring: Keyring, token: str, who: int, at: datetime = T0
) -> Link | Refusal:
    async with session_factory(engine, keyring)() as session, session.begin():
        return await redeem(session, token=token, redeemer_id=who, now=at, member_name="Sam")


async def _link(engine: AsyncEngine, keyring: Keyring, inviter: int, member: int) -> Link:
    link = await _redeem(engine, keyring, await _invite(engine, keyring, inviter), member)
    assert isinstance(link, Link)
    return link


async def _count(engine: AsyncEngine, model: type[Link] | type[Invitation]) -> int:
    async with session_factory(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_token_is_unguessable_a_deep_link_parameter_and_stored_only_hashed(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    [alex] = await _people(engine, keyring, 1)
    tokens = {await _invite(engine, keyring, alex) for _ in range(5)}
    assert len(tokens) == 5
    for token in tokens:
        # 256 bits in URL-safe base64, within Telegram's 64 characters of [A-Za-z0-9_-].
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    async with session_factory(engine)() as session:
        stored = set(await session.scalars(select(Invitation.token_hash)))
        rows = list(await session.scalars(select(Invitation)))
    assert stored == {token_hash(t) for t in tokens}
    for row in rows:
        assert b"Alex" not in row.sealed_name  # the shown name is sealed
        assert row.expires_at == T0 + LIFETIME


async def test_single_use_and_a_forwarded_link_after_acceptance(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    alex, sam, third = await _people(engine, keyring, 1, 2, 3)
    token = await _invite(engine, keyring, alex)
    link = await _redeem(engine, keyring, token, sam)
    assert isinstance(link, Link)
    assert (link.user_id, link.member_id, link.kind) == (alex, sam, CONFIDANT)
    async with session_factory(engine, keyring)() as session:
        named = await names(session, link)
    assert (named.shown, named.member) == ("Alex", "Sam")
    # Used again: by the one who took it, and by a third person the link was forwarded to.
    assert await _redeem(engine, keyring, token, sam) is Refusal.USED
    assert await _redeem(engine, keyring, token, third) is Refusal.USED
    assert await _count(engine, Link) == 1
    async with session_factory(engine, keyring)() as session:
        assert await links_of(session, user_id=third) == []


async def test_expired_and_own_invitations_are_refused(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    alex, sam = await _people(engine, keyring, 1, 2)
    token = await _invite(engine, keyring, alex)
    assert await _redeem(engine, keyring, token, alex) is Refusal.OWN
    assert await _redeem(engine, keyring, token, sam, T0 + LIFETIME) is Refusal.EXPIRED
    assert isinstance(await _redeem(engine, keyring, token, sam, T0 + LIFETIME / 2), Link)


async def test_guessing_is_limited_per_person_and_the_limit_is_stored(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    alex, guesser = await _people(engine, keyring, 1, 2)
    token = await _invite(engine, keyring, alex)
    for n in range(MAX_TRIES):
        guess = f"{n:0>43}"
        assert await _redeem(engine, keyring, guess, guesser) is Refusal.UNKNOWN
    # Even the right token is refused now, without being looked at: the count is in the
    # database, so a fresh session (another replica, after a restart) sees it too.
    assert await _redeem(engine, keyring, token, guesser) is Refusal.TOO_MANY
    assert await _count(engine, Link) == 0
    # Malformed input counts too, and the window passes.
    later = T0 + TRIES_WINDOW
    assert await _redeem(engine, keyring, "x" * 500, guesser, later) is Refusal.UNKNOWN
    assert isinstance(await _redeem(engine, keyring, token, guesser, later), Link)


async def test_tries_at_once_each_count(engine: AsyncEngine, keyring: Keyring) -> None:
    if engine.dialect.name == "sqlite":
        return  # SQLite serialises writers; the count is checked above
    [guesser] = await _people(engine, keyring, 2)
    await asyncio.gather(
        *(_redeem(engine, keyring, f"{n:0>43}", guesser) for n in range(MAX_TRIES))
    )
    async with session_factory(engine)() as session:
        tries = await session.scalar(select(User.invitation_tries).where(User.id == guesser))
    assert tries == MAX_TRIES


async def test_two_takers_at_once_make_one_link(engine: AsyncEngine, keyring: Keyring) -> None:
    alex, sam, kim = await _people(engine, keyring, 1, 2, 3)
    token = await _invite(engine, keyring, alex)
    outcomes = await asyncio.gather(
        _redeem(engine, keyring, token, sam), _redeem(engine, keyring, token, kim)
    )
    assert sorted(isinstance(o, Link) for o in outcomes) == [False, True]
    assert await _count(engine, Link) == 1


async def test_pending_across_consent_then_accepted_once(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    alex, sam = await _people(engine, keyring, 1, 2)
    token = await _invite(engine, keyring, alex)
    async with session_factory(engine, keyring)() as session, session.begin():
        found = await look_up(session, token=token, user_id=sam, now=T0)
        assert isinstance(found, Invitation)
    async with session_factory(engine, keyring)() as session, session.begin():
        user = await session.get(User, sam)
        assert user is not None
        assert isinstance(await pending(session, user=user, now=T0), Invitation)
        link = await accept_pending(session, user=user, now=T0, member_name="Sam")
        assert isinstance(link, Link)
        assert await accept_pending(session, user=user, now=T0) is None


async def test_a_pending_invitation_expires_meanwhile(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    alex, sam = await _people(engine, keyring, 1, 2)
    token = await _invite(engine, keyring, alex)
    async with session_factory(engine, keyring)() as session, session.begin():
        assert isinstance(await look_up(session, token=token, user_id=sam, now=T0), Invitation)
    async with session_factory(engine, keyring)() as session, session.begin():
        user = await session.get(User, sam)
        assert user is not None
        later = T0 + LIFETIME + timedelta(minutes=1)
        assert await accept_pending(session, user=user, now=later) is Refusal.EXPIRED
    assert await _count(engine, Link) == 0


async def test_one_partner_at_a_time_confidants_several(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    alex, sam, kim = await _people(engine, keyring, 1, 2, 3)
    await _link(engine, keyring, alex, sam)
    await _link(engine, keyring, alex, kim)
    # Twice the same confidant: refused (and no try counted against them).
    again = await _redeem(engine, keyring, await _invite(engine, keyring, alex), sam)
    assert again is Refusal.LINKED
    assert isinstance(
        await _redeem(engine, keyring, await _invite(engine, keyring, alex, PARTNER), sam), Link
    )
    partner_again = await _invite(engine, keyring, kim, PARTNER)
    assert await _redeem(engine, keyring, partner_again, alex) is Refusal.LINKED
    async with session_factory(engine, keyring)() as session:
        assert len(await links_of(session, user_id=alex, kind=CONFIDANT)) == 2
        assert len(await links_of(session, user_id=sam)) == 2


async def test_either_side_ends_a_link_and_nobody_else(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    alex, sam, kim = await _people(engine, keyring, 1, 2, 3)
    link = await _redeem(engine, keyring, await _invite(engine, keyring, alex), sam)
    assert isinstance(link, Link)
    async with session_factory(engine, keyring)() as session, session.begin():
        assert await end_link(session, link_id=link.id, user_id=kim) is None
        ended = await end_link(session, link_id=link.id, user_id=sam)
        assert ended is not None and ended.user_id == alex
        assert await end_link(session, link_id=link.id, user_id=alex) is None


async def test_revoking_an_open_invitation(engine: AsyncEngine, keyring: Keyring) -> None:
    alex, sam = await _people(engine, keyring, 1, 2)
    token = await _invite(engine, keyring, alex)
    async with session_factory(engine, keyring)() as session, session.begin():
        [open_one] = await open_invitations(session, user_id=alex, now=T0)
        assert not await revoke_invitation(session, invitation_id=open_one.id, user_id=sam)
        assert await revoke_invitation(session, invitation_id=open_one.id, user_id=alex)
    assert await _redeem(engine, keyring, token, sam) is Refusal.UNKNOWN


async def test_delete_revokes_invitations_and_ends_links_both_ways(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    alex, sam, kim = await _people(engine, keyring, 1, 2, 3)
    await _link(engine, keyring, alex, sam)
    await _link(engine, keyring, kim, alex)
    waiting = await _invite(engine, keyring, alex)
    async with session_factory(engine, keyring)() as session, session.begin():
        user = await session.get(User, alex)
        assert user is not None
        await forget_user(session, user=user)
    assert await _count(engine, Link) == 0
    assert await _redeem(engine, keyring, waiting, sam) is Refusal.UNKNOWN
    async with session_factory(engine, keyring)() as session:
        # Kim's invitation that Alex took stays Kim's, and no longer says who took it.
        [kims] = list(await session.scalars(select(Invitation)))
        assert kims.user_id == kim and kims.used_by is None


async def test_expired_invitations_are_purged_only_after_their_keeping(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    [alex] = await _people(engine, keyring, 1)
    await _invite(engine, keyring, alex)
    await _invite(engine, keyring, alex, at=T0 + timedelta(days=10))
    async with session_factory(engine, keyring)() as session, session.begin():
        assert await purge_invitations(session, before=T0 + LIFETIME) == 0
        assert await purge_invitations(session, before=T0 + LIFETIME + timedelta(days=1)) == 1
    assert await _count(engine, Invitation) == 1
