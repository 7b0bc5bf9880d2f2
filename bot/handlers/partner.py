"""Checking in together: /partner, where two partners linked through /share agree to share
the weekly needs-and-boundaries check-in (one proposes a deadline, the other agrees), stop
sharing, and, after a shared answer, choose whether their words are shown.

What a round reveals, and when, is store.partner_rounds' and scheduler.reveals'; here the
person only chooses. Buttons name a link or a turn; each is checked to be the presser's
own, and a stale one changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update

from bot import awaiting, keyboards
from bot.handlers.common import Reply, answer, edit, reply
from bot.handlers.confiding import Delivery, deliver
from bot.handlers.sharing import ask_shown_name
from bot.handlers.taps import Tap, member_button, member_command, visit
from bot.services import AttuneContext
from messages import render, ritual
from scheduler import changes
from scheduler.local_time import format_local_time
from scheduler.planning import weekdays_to_text
from scheduler.reveals import reveal_text
from store.models import Link, PartnerRound, PartnerTurn, User
from store.partner_rounds import SHARED_RITUAL, open_turns, reveal_of
from store.partner_rounds import choose_note as store_choose_note
from store.partner_sharing import (
    agree,
    other_side,
    partner_link,
    partner_links,
    partner_name,
    propose,
    sharing_of,
    stop_sharing,
)
from store.subscriptions import find_subscription


async def partner_command(update: Update, context: AttuneContext) -> None:
    """/partner: sharing the weekly check-in with each partner, and what can be chosen."""
    await member_command(update, context, _pages)


async def _pages(tap: Tap) -> list[Reply]:
    links = await partner_links(tap.session, user_id=tap.user.id)
    if not links:
        return [reply("partner_none", tap.locale, keyboards.partner_invite(tap.locale))]
    return [await _page(tap.session, link, tap.user.id, tap.locale) for link in links]


async def _page(session: AsyncSession, link: Link, user_id: int, locale: str) -> Reply:
    """Where sharing with this partner stands, as `user_id` sees it, with its buttons."""
    name = await partner_name(session, link=link, viewer_id=user_id)
    sharing = await sharing_of(session, link_id=link.id)
    if sharing is None:
        page = keyboards.partner_page(locale, link.id, name, state="none")
        return reply("partner_offer", locale, page, name=name)
    days = render("partner_days", locale, count=sharing.deadline_days)
    if sharing.agreed_at is not None:
        key, state = "partner_sharing", "agreed"
    elif sharing.proposed_by == user_id:
        key, state = "partner_proposed", "proposed"
    else:
        key, state = "partner_asked", "asked"
    page = keyboards.partner_page(locale, link.id, name, state=state, days=sharing.deadline_days)
    return reply(key, locale, page, name=name, days=days)


async def invite_button(update: Update, context: AttuneContext) -> None:
    """Invite a partner: first, which first name they should see (then as /share goes on,
    with an invitation of the partner kind: bot.handlers.sharing)."""
    await ask_shown_name(update, context, awaiting.PARTNER_NAME, any_zone=False)


def _link_and_days(context: AttuneContext) -> tuple[int, int]:
    match = context.match
    if match is None:
        return 0, 0
    days = int(match.group(2)) if match.re.groups >= 2 else 0
    return int(match.group(1)), days


# What a button does to the presser's partner link: its reply, and what the other is told.
LinkAction = Callable[[Tap, Link, int, list[Delivery]], Awaitable[Reply | str]]


async def _on_link(update: Update, context: AttuneContext, action: LinkAction) -> None:
    """Run `action` on the partner link the button names, if it is the presser's, with the
    days the button carries; then tell the other partner what it has for them."""
    link_id, days = _link_and_days(context)
    told: list[Delivery] = []

    async def act(tap: Tap) -> Reply | str:
        link = await partner_link(tap.session, link_id=link_id, user_id=tap.user.id)
        if link is None:
            return "toast_not_yours"
        return await action(tap, link, days, told)

    await member_button(update, context, act)
    await deliver(update, context, told)


async def _tell_other(tap: Tap, link: Link, told: list[Delivery], key: str, **values: str) -> None:
    """Tell the other partner `key`, in their language, with their name for the presser."""
    other = await tap.session.get(User, other_side(link, tap.user.id))
    if other is not None:
        name = await partner_name(tap.session, link=link, viewer_id=other.id)
        days = values.get("days")
        if days is not None:  # the deadline's words, in the other's language
            values["days"] = render("partner_days", other.locale, count=int(days))
        told.append(_delivery(other, reply(key, other.locale, None, name=name, **values)))


async def propose_button(update: Update, context: AttuneContext) -> None:
    """Propose sharing, with the days chosen; the partner is asked to agree."""

    async def action(tap: Tap, link: Link, days: int, told: list[Delivery]) -> Reply | str:
        sharing = await propose(
            tap.session, link=link, user_id=tap.user.id, days=days, now=tap.now
        )
        if sharing is None:
            return "toast_button_unknown"
        await _ritual_on(tap)
        other = await tap.session.get(User, other_side(link, tap.user.id))
        if other is not None:
            page = await _page(tap.session, link, other.id, other.locale)
            told.append(_delivery(other, page))
        return await _page(tap.session, link, tap.user.id, tap.locale)

    await _on_link(update, context, action)


async def agree_button(update: Update, context: AttuneContext) -> None:
    """Agree to the partner's proposal as it was shown; both are told sharing is on."""

    async def action(tap: Tap, link: Link, days: int, told: list[Delivery]) -> Reply | str:
        sharing = await agree(tap.session, link=link, user_id=tap.user.id, days=days, now=tap.now)
        if sharing is None:
            return "toast_button_unknown"  # withdrawn, changed or agreed meanwhile
        await _ritual_on(tap)
        await _tell_other(tap, link, told, "partner_agreed", days=str(days))
        name = await partner_name(tap.session, link=link, viewer_id=tap.user.id)
        shown = render("partner_days", tap.locale, count=days)
        return reply("partner_agreed", tap.locale, name=name, days=shown)

    await _on_link(update, context, action)


async def stop_button(update: Update, context: AttuneContext) -> None:
    """Stop sharing, withdraw a proposal or decline one: nothing pending is revealed, and
    the partner is told kindly."""

    async def action(tap: Tap, link: Link, _days: int, told: list[Delivery]) -> Reply | str:
        if await sharing_of(tap.session, link_id=link.id) is None:
            return "toast_button_unknown"
        await stop_sharing(tap.session, link_id=link.id)
        await _tell_other(tap, link, told, "partner_stopped_by_other")
        name = await partner_name(tap.session, link=link, viewer_id=tap.user.id)
        return reply("partner_stopped", tap.locale, name=name)

    await _on_link(update, context, action)


async def _ritual_on(tap: Tap) -> None:
    """Sharing the check-in needs it on: turned on at its usual day and time if it is off
    (the reply to agreeing says so, and /rituals changes it)."""
    sub = find_subscription(tap.user, SHARED_RITUAL)
    if sub is not None and sub.active:
        return
    default = ritual(SHARED_RITUAL)
    await changes.turn_on(
        tap.session,
        user=tap.user,
        ritual_key=SHARED_RITUAL,
        now=tap.now,
        default_time=format_local_time(default.default_time),
        default_weekdays=weekdays_to_text(default.weekdays),
    )


def _delivery(other: User, item: Reply) -> Delivery:
    """A message for the partner, sent once the change is committed (never to someone who
    blocked the bot: bot.handlers.confiding.deliver)."""
    markup = item.markup if isinstance(item.markup, InlineKeyboardMarkup) else None
    return Delivery(other.id, other.chat_id, item.text, markup)


async def note_question(
    session: AsyncSession, *, user_id: int, prompt_id: int | None, locale: str
) -> Reply | None:
    """After words written with an answer in a shared round: whether to show them to each
    partner (kept to the writer until they choose). None outside a shared round."""
    if prompt_id is None:
        return None
    turns = await open_turns(session, prompt_id=prompt_id)
    named = []
    for turn in turns:
        name = await _partner_name_of(session, turn, user_id)
        if name is not None:
            named.append((turn.id, name))
    if not named:
        return None
    return reply("partner_note_ask", locale, keyboards.partner_note(locale, named))


async def answer_kept(
    session: AsyncSession, *, user_id: int, turns: list[PartnerTurn], locale: str
) -> list[Reply]:
    """After a first rating in a shared round: what happens with it, once per partner."""
    replies = []
    for turn in turns:
        name = await _partner_name_of(session, turn, user_id)
        if name is not None:
            replies.append(reply("partner_answer_kept", locale, name=name))
    return replies


async def _partner_name_of(session: AsyncSession, turn: PartnerTurn, user_id: int) -> str | None:
    round_ = await session.get(PartnerRound, turn.round_id)
    link = None if round_ is None else await session.get(Link, round_.link_id)
    if link is None:
        return None
    return await partner_name(session, link=link, viewer_id=user_id)


async def note_button(update: Update, context: AttuneContext) -> None:
    """Show the words written with a shared answer to the partner, or keep them."""
    match = context.match
    turn_id, share = (int(match.group(1)), match.group(2) == "yes") if match else (0, False)

    async def act(tap: Tap) -> Reply | str:
        turn = await store_choose_note(
            tap.session, turn_id=turn_id, user_id=tap.user.id, share=share
        )
        if turn is None:
            return "toast_partner_closed"
        name = await _partner_name_of(tap.session, turn, tap.user.id) or ""
        return reply(
            "partner_note_shared" if share else "partner_note_kept", tap.locale, name=name
        )

    await member_button(update, context, act)


async def open_button(update: Update, context: AttuneContext) -> None:
    """Open a discreet message about a shared round: read again now, so what was
    forgotten since (unlinked, /delete) shows nothing."""
    query = update.callback_query
    if query is None or context.match is None:
        return
    turn_id = int(context.match.group(1))
    async with visit(update, context) as v:
        shown: Reply | None = None
        if v.user is not None:
            found = await reveal_of(v.session, turn_id=turn_id, now=v.now)
            if found is not None and found.user.id == v.user.id:
                shown = Reply(reveal_text(found, v.locale))
    if shown is None:
        await answer(query, render("toast_partner_gone", v.locale), show_alert=True)
        return
    await answer(query)
    await edit(query, shown)
