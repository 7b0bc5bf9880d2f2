"""Telling partners how their shared check-in ended: both answers, or that nothing was
shared this week. Run at the end of every dispatch tick.

It follows the dispatcher's pattern, so a restart or a second replica never tells twice:
rounds past their deadline close, the turns due to be told are leased in one committed
transaction (store.partner_rounds.claim_tells; `SKIP LOCKED` on PostgreSQL), then each is
read again (a round forgotten or held back meanwhile is not sent), sent, and recorded
before the next. A process that dies between sending and recording repeats at most that
one message, after the lease.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from messages import render, ritual_text
from scheduler.changes import blocked, standing_of
from scheduler.planning import may_prompt
from scheduler.sender import Undeliverable
from store.models import PartnerTurn, RoundState, User
from store.partner_rounds import (
    SHARED_RITUAL,
    Reveal,
    claim_tells,
    close_lapsed,
    record_told,
    reveal_of,
)
from store.subscriptions import find_subscription
from store.users import get_user

log = logging.getLogger(__name__)

# Turns leased per transaction: partners are few, and each is told in its own.
_BATCH = 50


@dataclass(frozen=True, slots=True)
class SharedNews:
    """One partner's message about their shared check-in, ready to send. Discreet, it shows
    a neutral line until Open (which reads it again: `turn_id`)."""

    turn_id: int
    chat_id: int
    locale: str
    text: str
    discreet: bool = False
    quiet: bool = False


class NewsSender(Protocol):
    """Delivers a partner's message; returns its message id, raises Undeliverable."""

    async def send_news(self, news: SharedNews) -> int: ...


def reveal_text(reveal: Reveal, locale: str) -> str:
    """The message, in `locale`: both answers with their labels (and the partner's words
    when they chose to share them), or, gently, that nothing was shared this week."""
    if reveal.state != RoundState.REVEAL or reveal.mine is None or reveal.theirs is None:
        return render("partner_quiet", locale, name=reveal.partner_name)
    labels = ritual_text(SHARED_RITUAL, locale).labels
    text = render(
        "partner_reveal",
        locale,
        name=reveal.partner_name,
        mine=reveal.mine,
        mine_label=labels[reveal.mine],
        theirs=reveal.theirs,
        theirs_label=labels[reveal.theirs],
    )
    if reveal.their_words:
        words = render("partner_reveal_words", locale, name=reveal.partner_name)
        text += f"\n\n{words}\n{reveal.their_words}"
    return text


class Reveals:
    """Tells partners what their rounds came to, once each."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sender: NewsSender,
        *,
        lease: timedelta = timedelta(minutes=2),
    ) -> None:
        self._sessions = sessions
        self._sender = sender
        self._lease = lease

    async def tick(self, now: datetime) -> int:
        """Close lapsed rounds and tell everyone due to be told; returns how many were sent."""
        sent = 0
        while True:
            async with self._sessions() as session, session.begin():
                await close_lapsed(session, now=now)
                ids = await claim_tells(
                    session, now=now, lease_expired=now - self._lease, limit=_BATCH
                )
            for turn_id in ids:
                sent += await self._tell(turn_id, now)
            if len(ids) < _BATCH:
                return sent

    async def _tell(self, turn_id: int, now: datetime) -> int:
        async with self._sessions() as session, session.begin():
            reveal = await reveal_of(session, turn_id=turn_id, now=now)
            if reveal is None:
                # Held back or forgotten since the claim: the lease goes, nothing is sent.
                await session.execute(
                    update(PartnerTurn)
                    .where(PartnerTurn.id == turn_id, PartnerTurn.told_at.is_(None))
                    .values(claimed_at=None)
                )
                return 0
            user = reveal.user
            if not await _may_hear(session, user, now):
                await record_told(session, turn_id=turn_id, message_id=None, now=now)
                return 0
            news = SharedNews(
                turn_id=turn_id,
                chat_id=user.chat_id,
                locale=user.locale,
                text=reveal_text(reveal, user.locale),
                discreet=user.discreet,
                quiet=user.quiet,
            )
        message_id: int | None = None
        try:
            message_id = await self._sender.send_news(news)
        except Undeliverable:
            async with self._sessions() as session, session.begin():
                await blocked(session, user_id=user.id, now=now)
        except Exception as error:  # one person's failure must not stop the others
            log.warning("shared check-in message failed: %s", type(error).__name__)
        async with self._sessions() as session, session.begin():
            await record_told(session, turn_id=turn_id, message_id=message_id, now=now)
        return 1 if message_id is not None else 0


async def _may_hear(session: AsyncSession, user: User, now: datetime) -> bool:
    """Whether the person takes messages of the shared ritual now: on, not paused (they
    or it), consented, not blocked; a person paused hears nothing, of this either."""
    loaded = await get_user(session, telegram_id=user.telegram_id)
    if loaded is None:
        return False
    sub = find_subscription(loaded, SHARED_RITUAL)
    return sub is not None and may_prompt(standing_of(sub, loaded), now)


async def turn_owner(session: AsyncSession, *, turn_id: int) -> int | None:
    """The person a turn belongs to (an Open button names a turn; only they may open it)."""
    owner: int | None = await session.scalar(
        select(PartnerTurn.user_id).where(PartnerTurn.id == turn_id)
    )
    return owner
