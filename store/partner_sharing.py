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

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.invitations import PARTNER, links_of, names
from store.models import Link, PartnerSharing
from store.partner_pending import forget_pending

# The deadlines partners can choose from, in days after the later of their two prompts.
DEADLINE_CHOICES = (1, 2, 3)


def other_side(link: Link, user_id: int) -> int:
    """The partner of `user_id` on `link`."""
    return link.member_id if link.user_id == user_id else link.user_id


async def partner_links(session: AsyncSession, *, user_id: int) -> list[Link]:
    """The person's partner links, oldest first (store.invitations keeps one at a time)."""
    return await links_of(session, user_id=user_id, kind=PARTNER)


async def partner_link(session: AsyncSession, *, link_id: int, user_id: int) -> Link | None:
    """The partner link `link_id`, if `user_id` is one of its two people (a button names a
    link; only its own people may act on it)."""
    link = await session.get(Link, link_id)
    if link is None or link.kind != PARTNER or user_id not in (link.user_id, link.member_id):
        return None
    return link


async def partner_name(session: AsyncSession, *, link: Link, viewer_id: int) -> str:
    """How `viewer_id` knows their partner: the name the inviter chose to show, or, for
    the inviter, the first name the other had when they accepted (store.invitations)."""
    shown = await names(session, link)
    return shown.member if viewer_id == link.user_id else shown.shown


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
    """Sharing ends (or a proposal is withdrawn or declined): the agreement and every round
    of the link are forgotten, pending reveals included, unsent."""
    await forget_pending(session, link_ids=select(Link.id).where(Link.id == link_id))
