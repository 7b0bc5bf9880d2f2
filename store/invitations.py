"""Invitations and the links they make: a confidant, or a partner.

The interface (a person is a `users.id` throughout; `now` is an aware datetime):

- `create_invitation(session, *, inviter, kind, shown_name, now) -> str`: a new one-time
  token for a deep link (`t.me/<bot>?start=<token>`): 256 random bits in URL-safe base64,
  43 characters of [A-Za-z0-9_-]. Only its SHA-256 is stored; it expires after 48 hours.
  `shown_name` (the first name the inviter chose to show) is sealed with the inviter's key.
- `redeem(session, *, token, redeemer_id, now, member_name="") -> Link | Refusal`: accept
  it at once (single use: one UPDATE ... WHERE used_at IS NULL decides a race).
- `look_up(...)`, `pending(...)`, `accept_pending(...)`, `decline_pending(...)`: the same
  in two steps, for a newcomer who must consent first: looking the token up keeps its
  hash on the person's row (`users.pending_invitation`) and accepting later needs nothing
  else, so no button ever carries the token or an invitation's row id.
- `end_link(session, *, link_id, user_id) -> Link | None`: either side ends a link.
- `links_of(session, *, user_id, kind=None) -> list[Link]`: both directions.
- `open_invitations`, `revoke_invitation`: the inviter's unused invitations.
- `names(session, link) -> Names`: the link's sealed names, opened.
- `forget_sharing(session, *, user_id)`: everything of a person's here, both directions
  (store.personal_data.erase calls it, so /delete reaches it).

Every way a token can fail (unknown, malformed, expired, used, one's own) counts as a try:
more than MAX_TRIES within TRIES_WINDOW and the person is refused before the token is even
looked at, so guessing is limited per person, in the database (across restarts and
replicas). A person has at most one partner link at a time; confidants may be several.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store import sealing
from store.models import Invitation, Link, User
from store.partner_pending import forget_pending
from store.person_keys import key_of, key_to_seal

CONFIDANT: Final = "confidant"
PARTNER: Final = "partner"
KINDS: Final = (CONFIDANT, PARTNER)
LIFETIME: Final = timedelta(hours=48)
MAX_TRIES: Final = 10
TRIES_WINDOW: Final = timedelta(hours=1)
# A shown name is a first name: a line, short enough for any message it goes in.
MAX_NAME_CHARS: Final = 32
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}", re.ASCII)


class Refusal(StrEnum):
    """Why an invitation can't be taken (each has its own kind reply)."""

    UNKNOWN = "unknown"  # no such token (or malformed)
    EXPIRED = "expired"
    USED = "used"
    OWN = "own"  # the inviter's own link
    TOO_MANY = "too_many"  # too many tries lately
    LINKED = "linked"  # these two are linked so already, or a partner link exists


@dataclass(frozen=True, slots=True)
class Names:
    """A link's names: the one the inviter chose to show, and the other person's."""

    shown: str
    member: str


def token_hash(token: str) -> bytes:
    """What is stored of a token."""
    return hashlib.sha256(token.encode("ascii", "replace")).digest()


async def create_invitation(
    session: AsyncSession, *, inviter: int, kind: str, shown_name: str, now: datetime
) -> str:
    """A new invitation of `kind` by `inviter`; the token for its deep link."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of invitation: {kind}")
    key = await key_to_seal(session, user_id=inviter)
    token = secrets.token_urlsafe(32)
    session.add(
        Invitation(
            token_hash=token_hash(token),
            user_id=inviter,
            kind=kind,
            sealed_name=key.seal_text(shown_name[:MAX_NAME_CHARS], sealing.INVITATION_NAME),
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    await session.flush()
    return token


async def look_up(
    session: AsyncSession, *, token: str, user_id: int, now: datetime
) -> Invitation | Refusal:
    """The invitation `token` names, if `user_id` may take it; kept as their pending one.

    A refusal counts as a try; too many tries lately refuse without looking.
    """
    if await _too_many_tries(session, user_id=user_id, now=now):
        return Refusal.TOO_MANY
    found = await _usable(session, digest=token_hash(token) if _TOKEN.fullmatch(token) else None,
                          user_id=user_id, now=now)  # fmt: skip
    if isinstance(found, Refusal):
        if found is not Refusal.LINKED:
            await _count_try(session, user_id=user_id, now=now)
        return found
    await session.execute(
        update(User).where(User.id == user_id).values(pending_invitation=found.token_hash)
    )
    return found


async def pending(
    session: AsyncSession, *, user: User, now: datetime
) -> Invitation | Refusal | None:
    """The invitation the person opened before consenting, if any, or why it can't be taken
    now (it expired, or someone else took it meanwhile)."""
    if user.pending_invitation is None:
        return None
    return await _usable(session, digest=user.pending_invitation, user_id=user.id, now=now)


async def accept_pending(
    session: AsyncSession, *, user: User, now: datetime, member_name: str = ""
) -> Link | Refusal | None:
    """Take the person's pending invitation (None if they have none); it is no longer
    pending afterwards, whatever the outcome."""
    digest = user.pending_invitation
    if digest is None:
        return None
    user.pending_invitation = None
    return await _take(session, digest=digest, user_id=user.id, now=now, member_name=member_name)


def decline_pending(user: User) -> bool:
    """Let the person's pending invitation go; False if there was none. The inviter's
    invitation stays usable until it expires (the link may reach the right person later)."""
    had = user.pending_invitation is not None
    user.pending_invitation = None
    return had


async def redeem(
    session: AsyncSession, *, token: str, redeemer_id: int, now: datetime, member_name: str = ""
) -> Link | Refusal:
    """Accept the invitation `token` names for `redeemer_id` at once: the new link, or why
    not (counted as a try)."""
    found = await look_up(session, token=token, user_id=redeemer_id, now=now)
    if isinstance(found, Refusal):
        return found
    await session.execute(
        update(User).where(User.id == redeemer_id).values(pending_invitation=None)
    )
    return await _take(
        session, digest=found.token_hash, user_id=redeemer_id, now=now, member_name=member_name
    )


async def _take(
    session: AsyncSession, *, digest: bytes, user_id: int, now: datetime, member_name: str
) -> Link | Refusal:
    found = await _usable(session, digest=digest, user_id=user_id, now=now)
    if isinstance(found, Refusal):
        return found
    # Single use: of two takers at once, one UPDATE finds used_at still empty.
    won = await session.scalar(
        update(Invitation)
        .where(Invitation.id == found.id, Invitation.used_at.is_(None))
        .values(used_at=now, used_by=user_id)
        .returning(Invitation.id)
        .execution_options(synchronize_session=False)
    )
    if won is None:
        return Refusal.USED
    key = await key_of(session, user_id=found.user_id)
    assert key is not None, "an invitation's name was sealed with its inviter's key"
    shown = key.open_text(found.sealed_name, sealing.INVITATION_NAME)
    link = Link(
        user_id=found.user_id,
        member_id=user_id,
        kind=found.kind,
        sealed_name=key.seal_text(shown, sealing.LINK_NAME),
        sealed_member_name=key.seal_text(member_name[:MAX_NAME_CHARS], sealing.LINK_MEMBER_NAME),
        shares="",
        created_at=now,
    )
    session.add(link)
    await session.flush()
    return link


async def _usable(
    session: AsyncSession, *, digest: bytes | None, user_id: int, now: datetime
) -> Invitation | Refusal:
    """The invitation with this token hash, if `user_id` may take it now."""
    if digest is None:
        return Refusal.UNKNOWN
    found = await session.scalar(select(Invitation).where(Invitation.token_hash == digest))
    if found is None:
        return Refusal.UNKNOWN
    if found.user_id == user_id:
        return Refusal.OWN
    if found.used_at is not None:
        return Refusal.USED
    if found.expires_at <= now:
        return Refusal.EXPIRED
    if await _linked(session, inviter=found.user_id, member=user_id, kind=found.kind):
        return Refusal.LINKED
    return found


async def _linked(session: AsyncSession, *, inviter: int, member: int, kind: str) -> bool:
    """True if these two are linked so already, or (partners) either has a partner."""
    if kind == PARTNER:
        either = or_(*(side.in_([inviter, member]) for side in (Link.user_id, Link.member_id)))
        condition = (Link.kind == PARTNER) & either
    else:
        condition = (Link.kind == kind) & (Link.user_id == inviter) & (Link.member_id == member)
    return await session.scalar(select(Link.id).where(condition).limit(1)) is not None


async def _too_many_tries(session: AsyncSession, *, user_id: int, now: datetime) -> bool:
    row = (
        await session.execute(
            select(User.invitation_tries, User.invitation_tries_since).where(User.id == user_id)
        )
    ).one()
    tries, since = row
    return since is not None and since > now - TRIES_WINDOW and tries >= MAX_TRIES


async def _count_try(session: AsyncSession, *, user_id: int, now: datetime) -> None:
    """One more try that led nowhere: a window starts with the first, and after an hour
    the count starts again. One UPDATE, so tries at once each count."""
    fresh = or_(
        User.invitation_tries_since.is_(None),
        User.invitation_tries_since <= now - TRIES_WINDOW,
    )
    await session.execute(
        update(User)
        .where(User.id == user_id, fresh)
        .values(invitation_tries=0, invitation_tries_since=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(invitation_tries=User.invitation_tries + 1)
        .execution_options(synchronize_session=False)
    )


async def links_of(session: AsyncSession, *, user_id: int, kind: str | None = None) -> list[Link]:
    """The person's links, as inviter or as member, oldest first."""
    query = select(Link).where(or_(Link.user_id == user_id, Link.member_id == user_id))
    if kind is not None:
        query = query.where(Link.kind == kind)
    return list(await session.scalars(query.order_by(Link.id)))


async def end_link(session: AsyncSession, *, link_id: int, user_id: int) -> Link | None:
    """End a link `user_id` is a side of; the ended link (to tell the other side), or None
    if there is no such link of theirs (a stale or forged button)."""
    link = await session.scalar(
        select(Link).where(
            Link.id == link_id, or_(Link.user_id == user_id, Link.member_id == user_id)
        )
    )
    if link is None:
        return None
    # Whatever is pending between partners goes first: no reveal is sent after the link.
    await forget_pending(session, link_ids=select(Link.id).where(Link.id == link.id))
    await session.execute(delete(Link).where(Link.id == link.id))
    return link


async def open_invitations(
    session: AsyncSession, *, user_id: int, now: datetime
) -> list[Invitation]:
    """The person's invitations nobody has taken yet and that have not expired."""
    return list(
        await session.scalars(
            select(Invitation)
            .where(
                Invitation.user_id == user_id,
                Invitation.used_at.is_(None),
                Invitation.expires_at > now,
            )
            .order_by(Invitation.id)
        )
    )


async def revoke_invitation(session: AsyncSession, *, invitation_id: int, user_id: int) -> bool:
    """Withdraw an unused invitation of the person's; False if there is none such."""
    gone = await session.scalar(
        delete(Invitation)
        .where(
            Invitation.id == invitation_id,
            Invitation.user_id == user_id,
            Invitation.used_at.is_(None),
        )
        .returning(Invitation.id)
    )
    return gone is not None


async def names(session: AsyncSession, link: Link) -> Names:
    """The link's names, opened with the inviter's key."""
    key = await key_of(session, user_id=link.user_id)
    if key is None:
        return Names("", "")
    return Names(
        key.open_text(link.sealed_name, sealing.LINK_NAME),
        key.open_text(link.sealed_member_name, sealing.LINK_MEMBER_NAME),
    )


async def invitation_name(session: AsyncSession, invitation: Invitation) -> str:
    """The name the inviter chose to show, opened."""
    key = await key_of(session, user_id=invitation.user_id)
    if key is None:
        return ""
    return key.open_text(invitation.sealed_name, sealing.INVITATION_NAME)


async def set_shares(session: AsyncSession, *, link_id: int, user_id: int, shares: str) -> bool:
    """Set which milestone kinds the inviter shares without being asked; False if the link
    is not one they share on."""
    done = await session.scalar(
        update(Link)
        .where(Link.id == link_id, Link.user_id == user_id)
        .values(shares=shares)
        .returning(Link.id)
        .execution_options(synchronize_session=False)
    )
    return done is not None


async def forget_sharing(session: AsyncSession, *, user_id: int) -> None:
    """Erase the person's invitations and links, both directions; an invitation of someone
    else's that they took forgets who took it."""
    mine = or_(Link.user_id == user_id, Link.member_id == user_id)
    await forget_pending(session, link_ids=select(Link.id).where(mine))
    await session.execute(
        delete(Link).where(or_(Link.user_id == user_id, Link.member_id == user_id))
    )
    await session.execute(delete(Invitation).where(Invitation.user_id == user_id))
    await session.execute(
        update(Invitation).where(Invitation.used_by == user_id).values(used_by=None)
    )


async def purge_invitations(session: AsyncSession, *, before: datetime) -> int:
    """Erase invitations that expired before `before` (taken or not); how many. Kept that
    long so a late tap on a used or expired link still gets its own kind answer."""
    gone = await session.scalars(
        delete(Invitation).where(Invitation.expires_at < before).returning(Invitation.id)
    )
    return len(list(gone))


async def mark_shared(session: AsyncSession, *, link_id: int, milestone: int) -> bool:
    """Record that milestone `milestone` is being shared on link `link_id`; False when it
    already was (a second tap on the same offer). One conditional UPDATE, so two replicas
    handling the same tap cannot both go ahead."""
    changed = await session.scalar(
        update(Link)
        .where(
            Link.id == link_id,
            or_(Link.last_shared_milestone.is_(None), Link.last_shared_milestone != milestone),
        )
        .values(last_shared_milestone=milestone)
        .returning(Link.id)
    )
    return changed is not None
