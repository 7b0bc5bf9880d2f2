"""Data access for two partners' agreement to share the weekly needs-and-boundaries
check-in: one proposes it with a deadline (1, 2 or 3 days after the later prompt), the
other agrees to both, and either can stop it at any time.

Only a partner link (store.invitations, kind "partner") carries one. Stopping, or the link
ending, forgets every round of it that is still pending (store.partner_rounds): nothing new
is shared, and each keeps their own check-ins.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Link, PartnerRound, PartnerSharing, PartnerTurn

PARTNER = "partner"
# The deadlines partners can choose from, in days after the later of their two prompts.
DEADLINE_CHOICES = (1, 2, 3)


def other_side(link: Link, user_id: int) -> int:
    """The partner of `user_id` on `link`."""
    return link.member_id if link.user_id == user_id else link.user_id


async def partner_links(session: AsyncSession, *, user_id: int) -> list[Link]:
    """The person's partner links, oldest first."""
    return list(
        await session.scalars(
            select(Link)
            .where(Link.kind == PARTNER, or_(Link.user_id == user_id, Link.member_id == user_id))
            .order_by(Link.id)
        )
    )


async def partner_link(session: AsyncSession, *, link_id: int, user_id: int) -> Link | None:
    """The partner link `link_id`, if `user_id` is one of its two people (a button names a
    link; only its own people may act on it)."""
    link = await session.get(Link, link_id)
    if link is None or link.kind != PARTNER or user_id not in (link.user_id, link.member_id):
        return None
    return link


async def sharing_of(session: AsyncSession, *, link_id: int) -> PartnerSharing | None:
    """The link's agreement (or proposal), if there is one."""
    return await session.get(PartnerSharing, link_id)


async def propose(
    session: AsyncSession, *, link: Link, user_id: int, days: int, now: datetime
) -> PartnerSharing | None:
    """`user_id` proposes sharing with `days` to answer; None if sharing is agreed already
    (stop it first to choose another deadline) or `days` is not a choice. A proposal
    still waiting is replaced: the newest one stands."""
    if days not in DEADLINE_CHOICES:
        return None
    sharing = await sharing_of(session, link_id=link.id)
    if sharing is not None and sharing.agreed_at is not None:
        return None
    if sharing is None:
        sharing = PartnerSharing(link_id=link.id, created_at=now)
        session.add(sharing)
    sharing.proposed_by, sharing.deadline_days, sharing.agreed_at = user_id, days, None
    await session.flush()
    return sharing


async def agree(
    session: AsyncSession, *, link: Link, user_id: int, days: int, now: datetime
) -> PartnerSharing | None:
    """The other partner agrees to the proposal as it stands (`days` is the deadline they
    saw: a proposal changed meanwhile is not agreed to). None when there is nothing of
    theirs to agree to."""
    sharing = await sharing_of(session, link_id=link.id)
    if (
        sharing is None
        or sharing.agreed_at is not None
        or sharing.proposed_by == user_id
        or sharing.deadline_days != days
    ):
        return None
    sharing.agreed_at = now
    await session.flush()
    return sharing


async def agreed_links(session: AsyncSession, *, user_ids: Sequence[int]) -> list[Link]:
    """The partner links of these people whose sharing both agreed to."""
    if not user_ids:
        return []
    return list(
        await session.scalars(
            select(Link)
            .join(PartnerSharing, PartnerSharing.link_id == Link.id)
            .where(
                Link.kind == PARTNER,
                PartnerSharing.agreed_at.is_not(None),
                or_(Link.user_id.in_(user_ids), Link.member_id.in_(user_ids)),
            )
            .order_by(Link.id)
        )
    )


async def stop_sharing(session: AsyncSession, *, link_id: int) -> None:
    """Sharing ends (or a proposal is withdrawn or declined): every round of the link is
    forgotten, pending reveals included, unsent."""
    await forget_rounds(session, link_ids=[link_id])
    await session.execute(delete(PartnerSharing).where(PartnerSharing.link_id == link_id))


async def forget_rounds(session: AsyncSession, *, link_ids: Sequence[int]) -> None:
    """Delete the rounds of these links and every turn in them: pending ones are never
    sent. The check-ins they pointed to are their writers' own, and stay."""
    if not link_ids:
        return
    rounds = select(PartnerRound.id).where(PartnerRound.link_id.in_(link_ids))
    await session.execute(delete(PartnerTurn).where(PartnerTurn.round_id.in_(rounds)))
    await session.execute(delete(PartnerRound).where(PartnerRound.link_id.in_(link_ids)))


async def forget_link(session: AsyncSession, *, link_id: int) -> None:
    """Before a link ends: its agreement and rounds go with it, pending reveals unsent."""
    await stop_sharing(session, link_id=link_id)


async def forget_person(session: AsyncSession, *, user_id: int) -> None:
    """For /delete: every agreement and round of the person's partner links, whoever's
    turn, so nothing pending between them outlives either of them."""
    link_ids = [link.id for link in await partner_links(session, user_id=user_id)]
    await forget_rounds(session, link_ids=link_ids)
    if link_ids:
        await session.execute(delete(PartnerSharing).where(PartnerSharing.link_id.in_(link_ids)))
