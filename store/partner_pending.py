"""Forgetting what is pending between two partners when their link goes (ended by either,
or with /delete of either): the agreement to share, and every round with its turns, so no
reveal still waiting is ever sent. The check-ins the turns pointed to are their writers'
own, and stay (or go with their writer's /delete).

Apart from store.partner_sharing so store.invitations, which ends links, can call it.
"""

from __future__ import annotations

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import PartnerRound, PartnerSharing, PartnerTurn


async def forget_pending(session: AsyncSession, *, link_ids: Select[tuple[int]]) -> None:
    """Delete the agreement and the rounds (with their turns) of the links `link_ids`
    selects, explicitly: nothing depends on the database enforcing ON DELETE CASCADE."""
    rounds = select(PartnerRound.id).where(PartnerRound.link_id.in_(link_ids))
    await session.execute(delete(PartnerTurn).where(PartnerTurn.round_id.in_(rounds)))
    await session.execute(delete(PartnerRound).where(PartnerRound.link_id.in_(link_ids)))
    await session.execute(delete(PartnerSharing).where(PartnerSharing.link_id.in_(link_ids)))
