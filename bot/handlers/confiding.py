"""Milestones shared with a confidant, and messages to the other side of a link.

When a milestone happens, a person with confidants is asked "Share this with Sam?" (one
button per confidant who is reachable), or the milestone goes without asking to those
confidants the person chose for its kind (/share). Only milestones celebrated in the turn
they were reached are offered: nothing held back on a hard night, nothing while the person
is paused (a crisis reply offers a pause), nothing reached by a note that brought a crisis
reply (it celebrates nothing). At most one question per turn: the most notable milestone.

A confidant reads the shown name and the milestone's kind in words (progress.sharing):
never a rating, note, practice or time. A discreet person's milestone stays discreet:
the confidant reads that something worth marking happened, and not what.

Everything is sent after the turn's transaction commits, once: a confidant who blocked the
bot (Telegram says Forbidden) is marked so, like anyone who blocked it, and their links
are skipped until they say /start again. Nothing is queued or stored for a later try.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot import keyboards
from bot.handlers.common import Reply, reply, send
from bot.handlers.taps import Tap, choice, member_button, visit
from bot.services import AttuneContext
from messages import render
from progress.sharing import parse_shares, share_kind, shared_words
from scheduler import changes
from store import invitations
from store.invitations import CONFIDANT
from store.models import Link, User
from store.progress import milestone_id, milestone_key

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """A message for another person, sent once the turn has committed."""

    user_id: int
    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None


@dataclass(slots=True)
class Shares:
    """What a turn's milestones bring: the question to the person, and the messages that
    go to confidants without asking."""

    offer: Reply | None = None
    deliveries: list[Delivery] = field(default_factory=list)

    def replies(self) -> list[Reply]:
        """The question, if any, to send after the celebrations."""
        return [self.offer] if self.offer is not None else []


async def milestone_shares(
    session: AsyncSession,
    *,
    user: User,
    keys: Sequence[str],
    now: datetime,
    auto: bool = True,
) -> Shares:
    """For milestones just celebrated (`keys`, most notable first): what goes to the
    person's confidants without asking, and the question about the first of the rest.

    Not `auto` (a note's reply, which sends nothing to anyone else): every confidant is
    asked about."""
    shares = Shares()
    if not keys or (user.paused_until is not None and user.paused_until > now):
        return shares
    confidants = [
        (link, member)
        for link in await invitations.links_of(session, user_id=user.id, kind=CONFIDANT)
        if link.user_id == user.id
        and (member := await session.get(User, link.member_id)) is not None
        and member.blocked_at is None
    ]
    if not confidants:
        return shares
    for key in keys:
        kind = share_kind(key)
        if kind is None:
            continue
        asked = []
        for link, member in confidants:
            if auto and kind in parse_shares(link.shares):
                shares.deliveries.append(await _delivery(session, user, link, member, key))
            else:
                named = await invitations.names(session, link)
                asked.append((link.id, named.member))
        row = await milestone_id(session, user_id=user.id, key=key) if asked else None
        if shares.offer is None and row is not None:
            markup = keyboards.share_offer(user.locale, row, asked)
            shares.offer = reply("share_offer", user.locale, markup)
    return shares


async def _delivery(
    session: AsyncSession, user: User, link: Link, member: User, key: str
) -> Delivery:
    """The confidant's message about milestone `key`, in their language."""
    shown = (await invitations.names(session, link)).shown
    if user.discreet:
        text = render("share_received_discreet", member.locale, name=shown)
    else:
        what = shared_words(key, member.locale)
        text = render("share_received", member.locale, name=shown, what=what)
    return Delivery(
        member.id, member.chat_id, text, keyboards.stop_receiving(member.locale, link.id)
    )


async def share_button(update: Update, context: AttuneContext) -> None:
    """Share a milestone of the presser's on one of their links, now."""
    sent: list[Delivery] = []
    named_member: list[str] = []
    locale: list[str] = []

    async def share(tap: Tap) -> Reply | str:
        milestone, link_id = int(choice(context)), int(choice(context, 2))
        key = await milestone_key(tap.session, user_id=tap.user.id, milestone_id=milestone)
        link = next(
            (
                link
                for link in await invitations.links_of(
                    tap.session, user_id=tap.user.id, kind=CONFIDANT
                )
                if link.id == link_id and link.user_id == tap.user.id
            ),
            None,
        )
        if key is None or link is None or share_kind(key) is None:
            return "toast_share_gone"
        member = await tap.session.get(User, link.member_id)
        named = await invitations.names(tap.session, link)
        if member is None or member.blocked_at is not None:
            return reply("share_unreachable", tap.locale, name=named.member)
        if not await invitations.mark_shared(tap.session, link_id=link.id, milestone=milestone):
            return reply("share_sent", tap.locale, name=named.member)  # a second tap: sent once
        sent.append(await _delivery(tap.session, tap.user, link, member, key))
        named_member.append(named.member)
        locale.append(tap.locale)
        return reply("share_sent", tap.locale, name=named.member)

    await member_button(update, context, share, any_zone=True)
    if await deliver(update, context, sent):  # Telegram would not take it after all
        await send(update, [reply("share_unreachable", locale[0], name=named_member[0])])


async def keep_button(update: Update, context: AttuneContext) -> None:
    """Keep a milestone to oneself: nothing is sent."""

    async def keep(tap: Tap) -> Reply | str:
        return reply("share_kept", tap.locale)

    await member_button(update, context, keep, any_zone=True)


async def ended_notice(session: AsyncSession, link: Link, *, ended_by: int) -> Delivery | None:
    """What the other side of an ended link is told (kindly, and not why); None if they
    can't be reached."""
    other_id = link.member_id if ended_by == link.user_id else link.user_id
    other = await session.get(User, other_id)
    if other is None or other.blocked_at is not None:
        return None
    named = await invitations.names(session, link)
    if link.kind == invitations.PARTNER:
        name = named.member if other_id == link.user_id else named.shown
        text = render("partner_unlinked_told", other.locale, name=name)
    elif other_id == link.user_id:
        text = render("share_told_ended", other.locale, name=named.member)
    else:
        text = render("share_told_stopped", other.locale, name=named.shown)
    return Delivery(other.id, other.chat_id, text)


async def ended_notices(session: AsyncSession, *, user_id: int) -> list[Delivery]:
    """What the other side of each of the person's links is told when the person erases
    everything (read before the erasure: the names are sealed with the inviter's key)."""
    notices = []
    for link in await invitations.links_of(session, user_id=user_id):
        notice = await ended_notice(session, link, ended_by=user_id)
        if notice is not None:
            notices.append(notice)
    return notices


async def deliver(
    update: Update, context: AttuneContext, deliveries: Sequence[Delivery]
) -> list[int]:
    """Send each message once; someone Telegram won't deliver to is marked as having
    blocked the bot (so their links rest until they come back), and nothing is retried.
    Returns who could not be reached."""
    refused = []
    for item in deliveries:
        try:
            await context.bot.send_message(item.chat_id, item.text, reply_markup=item.markup)
        except (Forbidden, BadRequest) as error:
            if isinstance(error, BadRequest) and "chat not found" not in error.message.lower():
                raise
            refused.append(item.user_id)
        except TelegramError as error:
            log.info("a message to the other side of a link was not sent: %s",
                     type(error).__name__)  # fmt: skip
    if not refused:
        return refused
    async with visit(update, context) as v:
        for user_id in refused:
            await changes.blocked(v.session, user_id=user_id, now=v.now)
    return refused
