"""/share and the invitation it makes: the person's links and open invitations, a new
one-time deep link, and the invitee's answer (after 18+ and consent, like any newcomer).

The links themselves live in store.invitations; what a confidant is sent when a milestone
happens is bot.handlers.confiding's. A button names a link or invitation row, checked to
be the presser's own; accepting names nothing at all: it takes the invitation the presser
opened (kept on their row), so nobody can accept one whose link they never had.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from telegram import ReplyKeyboardRemove, Update

from bot import awaiting, keyboards
from bot.formatting import describe_next
from bot.handlers.common import Reply, answer, edit, is_member, reply, send
from bot.handlers.confiding import Delivery, deliver, ended_notice
from bot.handlers.taps import ButtonAction, Tap, Visit, choice, member_button, not_yet, visit
from bot.services import AttuneContext
from messages import render
from progress.sharing import SHARE_KINDS, parse_shares, stored_shares
from scheduler.zones import resolve_zone
from store import invitations
from store.invitations import CONFIDANT, MAX_NAME_CHARS, PARTNER, Refusal
from store.models import Invitation, Link, User


async def share_command(update: Update, context: AttuneContext) -> None:
    """/share: who receives the person's milestones, whose they receive, open invitations."""
    if update.effective_user is None:
        return
    async with visit(update, context) as v:
        tap = v.tap()
        replies = not_yet(v) if tap is None else [await overview(tap)]
    await send(update, replies)


async def overview(tap: Tap) -> Reply:
    """The /share page."""
    user, locale, session = tap.user, tap.locale, tap.session
    lines, sharing, receiving, open_ones = [], [], [], []
    for link in await invitations.links_of(session, user_id=user.id, kind=CONFIDANT):
        named = await invitations.names(session, link)
        if link.user_id == user.id:
            sharing.append((link.id, named.member))
            lines.append(_render("share_line_confidant", locale, name=named.member))
        else:
            receiving.append((link.id, named.shown))
            lines.append(_render("share_line_receiving", locale, name=named.shown))
    for invitation in await invitations.open_invitations(session, user_id=user.id, now=tap.now):
        until = _until(user, invitation, tap.now, locale)
        open_ones.append((invitation.id, until))
        lines.append(_render("share_line_invitation", locale, until=until))
    listed = "\n".join(lines) if lines else _render("share_nothing_yet", locale)
    markup = keyboards.share_overview(
        locale, sharing=sharing, receiving=receiving, invitations=open_ones
    )
    return reply("share_overview", locale, markup, lines=listed)


async def new_button(update: Update, context: AttuneContext) -> None:
    """Invite someone: first, which first name they should see."""
    await ask_shown_name(update, context, awaiting.SHARE_NAME, any_zone=True)


async def ask_shown_name(
    update: Update, context: AttuneContext, question: awaiting.Awaiting, *, any_zone: bool
) -> None:
    """Ask, below, which first name an invitation should show (their own offered as a
    button); the answer is read as `question` (a confidant's or a partner's invitation)."""
    first_name = update.effective_user.first_name if update.effective_user else ""

    async def ask(tap: Tap) -> Reply:
        tap.user.awaiting = question.stored()
        offered = keyboards.share_name(first_name[:MAX_NAME_CHARS])
        return reply("share_name_ask", tap.locale, offered)

    await member_button(update, context, ask, in_place=False, any_zone=any_zone)


async def name_text(
    tap: Tap, typed: str, bot_username: str, *, partner: bool = False
) -> list[Reply]:
    """The first name to show, typed or tapped: the invitation and its link (to link as
    partners, asked from /partner: the same invitation, of the partner kind)."""
    name = " ".join(typed.split())
    if not name or len(name) > MAX_NAME_CHARS or not name.isprintable():
        return [reply("share_name_unfit", tap.locale)]
    tap.user.awaiting = None
    kind = PARTNER if partner else CONFIDANT
    token = await invitations.create_invitation(
        tap.session, inviter=tap.user.id, kind=kind, shown_name=name, now=tap.now
    )
    until = describe_next(tap.now + invitations.LIFETIME, _zone(tap.user), tap.now, tap.locale)
    link = f"https://t.me/{bot_username}?start={token}"
    key = "share_link_partner" if partner else "share_link"
    return [reply(key, tap.locale, ReplyKeyboardRemove(), link=link, until=until,
                  name=name)]  # fmt: skip


async def end_button(update: Update, context: AttuneContext) -> None:
    """End a link, from either side (also the confidant's Stop receiving); the other side
    is told kindly."""
    notices: list[Delivery] = []

    async def end(tap: Tap) -> Reply | str:
        link = await invitations.end_link(
            tap.session, link_id=int(choice(context)), user_id=tap.user.id
        )
        if link is None:
            return "toast_share_gone"
        notice = await ended_notice(tap.session, link, ended_by=tap.user.id)
        if notice is not None:
            notices.append(notice)
        named = await invitations.names(tap.session, link)
        if link.kind == PARTNER:  # unlinked from /partner
            name = named.member if link.user_id == tap.user.id else named.shown
            return reply("partner_unlinked", tap.locale, name=name)
        if link.user_id == tap.user.id:
            return reply("share_ended_by_you", tap.locale, name=named.member)
        return reply("share_stopped_by_you", tap.locale, name=named.shown)

    await _button(update, context, end)
    await deliver(update, context, notices)


async def revoke_button(update: Update, context: AttuneContext) -> None:
    """Withdraw an open invitation: its link works no more."""

    async def revoke(tap: Tap) -> Reply | str:
        invitation_id = int(choice(context))
        if not await invitations.revoke_invitation(
            tap.session, invitation_id=invitation_id, user_id=tap.user.id
        ):
            return "toast_share_gone"
        return reply("share_invitation_withdrawn", tap.locale)

    await _button(update, context, revoke)


async def auto_button(update: Update, context: AttuneContext) -> None:
    """The kinds of milestone a confidant gets without the person being asked."""
    await _button(update, context, lambda tap: _kinds_page(tap, int(choice(context)), None))


async def kind_button(update: Update, context: AttuneContext) -> None:
    """Toggle one kind shared without asking."""
    kind = choice(context, 2)
    await _button(update, context, lambda tap: _kinds_page(tap, int(choice(context)), kind))


async def _kinds_page(tap: Tap, link_id: int, toggle: str | None) -> Reply | str:
    link = await _own_sharing_link(tap, link_id)
    if link is None:
        return "toast_share_gone"
    chosen = parse_shares(link.shares)
    if toggle is not None:
        if toggle not in SHARE_KINDS:
            return "toast_button_unknown"
        chosen = chosen ^ {toggle}
        link.shares = stored_shares(chosen)
    named = await invitations.names(tap.session, link)
    return reply(
        "share_auto_page",
        tap.locale,
        keyboards.share_kinds(tap.locale, link.id, chosen),
        name=named.member,
    )


async def _own_sharing_link(tap: Tap, link_id: int) -> Link | None:
    for link in await invitations.links_of(tap.session, user_id=tap.user.id, kind=CONFIDANT):
        if link.id == link_id and link.user_id == tap.user.id:
            return link
    return None


async def opened_link(v: Visit, user: User, token: str) -> list[Reply]:
    """/start <token>: what the invitation asks (at once for a member; after 18+ and
    consent for anyone else, who sees the usual first steps now), or why it can't be."""
    found = await invitations.look_up(v.session, token=token, user_id=user.id, now=v.now)
    if isinstance(found, Refusal):
        return [refusal(found, v.locale)]
    if not is_member(user):
        return []
    return [await invitation_offer(v, found)]


async def invitation_offer(v: Visit | Tap, invitation: Invitation) -> Reply:
    """Who invited them, what they would receive and what never; Accept or Decline."""
    name = await invitations.invitation_name(v.session, invitation)
    key = "invite_offer_partner" if invitation.kind == PARTNER else "invite_offer"
    return reply(key, v.locale, keyboards.invite_answer(v.locale), name=name)


async def after_consent(v: Visit, user: User) -> list[Reply] | None:
    """Right after a newcomer consents: the invitation they opened, if they did (or why
    it can't be taken now); None if they opened none."""
    found = await invitations.pending(v.session, user=user, now=v.now)
    if found is None:
        return None
    if isinstance(found, Refusal):
        user.pending_invitation = None
        return [refusal(found, v.locale)]
    return [await invitation_offer(v, found)]


def refusal(why: Refusal, locale: str) -> Reply:
    """One kind reply per reason an invitation can't be taken."""
    return reply(f"invite_refused_{why.value}", locale)


async def invite_answer(update: Update, context: AttuneContext) -> None:
    """Accept or decline the invitation the presser opened; the inviter hears of an
    acceptance, never of a decline."""
    query = update.callback_query
    if query is None or context.match is None or update.effective_user is None:
        return
    first_name = update.effective_user.first_name
    told: list[Delivery] = []
    async with visit(update, context) as v:
        user = v.user
        if user is None or not is_member(user):
            outcome: Reply | str = "toast_start_first"
        elif context.match.group(1) == "no":
            had = invitations.decline_pending(user)
            outcome = reply("invite_declined", v.locale) if had else "toast_share_gone"
        else:
            taken = await invitations.accept_pending(
                v.session, user=user, now=v.now, member_name=first_name
            )
            if taken is None:
                outcome = "toast_share_gone"
            elif isinstance(taken, Refusal):
                outcome = refusal(taken, v.locale)
            else:
                named = await invitations.names(v.session, taken)
                kind = "_partner" if taken.kind == PARTNER else ""
                outcome = reply(f"invite_accepted{kind}", v.locale, name=named.shown)
                inviter = await v.session.get(User, taken.user_id)
                if inviter is not None and inviter.blocked_at is None:
                    told_key = f"invite_told_accepted{kind}"
                    text = _render(told_key, inviter.locale, name=named.member)
                    told.append(Delivery(inviter.id, inviter.chat_id, text))
    if isinstance(outcome, str):
        await answer(query, reply(outcome, v.locale).text)
        return
    await answer(query)
    await edit(query, outcome)
    await deliver(update, context, told)


async def _button(
    update: Update, context: AttuneContext, action: ButtonAction, *, in_place: bool = True
) -> None:
    """A /share button: for a person who consented (their timezone may be unset: a
    confidant need not practise), in their own chat."""
    await member_button(update, context, action, in_place=in_place, any_zone=True)


def _zone(user: User) -> tzinfo:
    return resolve_zone(user.timezone or "UTC")


def _until(user: User, invitation: Invitation, now: datetime, locale: str) -> str:
    return describe_next(invitation.expires_at, _zone(user), now, locale)


def _render(key: str, locale: str, **values: object) -> str:
    return render(key, locale, **values)
