"""Naming a step: the optional tap under the thank-you of a practice about steps and needs.

The kind is stored with the check-in, once: a second tap, another person's button, a kind
this version doesn't know, or a check-in that is gone gets a kind answer and changes
nothing. The first time a person names a kind is a milestone; each later time, a brief word.
The tap costs its own answer and one edit of the buttons (plus the milestone, the first
time), never a request of the rating's own turn.
"""

from __future__ import annotations

from telegram import Update

from bot import awaiting
from bot.handlers.answered import buttons_after_offer
from bot.handlers.common import answer, edit_markup, is_member, send
from bot.handlers.confiding import Shares, deliver, milestone_shares
from bot.handlers.milestones import after_win, celebrations, hard_night
from bot.handlers.taps import visit
from bot.services import AttuneContext
from messages import render
from progress.wins import is_win, offers_wins
from store.check_ins import get_check_in, name_win


async def win_button(update: Update, context: AttuneContext) -> None:
    """Store the kind of step a check-in was; the first of its kind is celebrated."""
    query = update.callback_query
    if query is None or context.match is None:
        return
    check_in_id, kind = int(context.match.group(1)), context.match.group(2)
    reached: list[str] = []
    markup = None
    shares = Shares()
    async with visit(update, context) as v:
        user, locale = v.user, v.locale
        check_in = await get_check_in(v.session, check_in_id=check_in_id)
        if check_in is None:
            toast = "toast_button_unknown"  # gone with /delete, or never there
        elif user is None or check_in.user_id != user.id:
            toast = "toast_not_yours"
        elif not is_member(user):
            toast = "toast_start_first"
        elif not is_win(kind) or not offers_wins(check_in.ritual_key):
            toast = "toast_button_unknown"
        elif not await name_win(v.session, check_in=check_in, kind=kind):
            toast = "toast_win_already"
        else:
            toast = ""
            # A step named on a hard night is kept, and its milestone waits, as a note's does.
            hold = await hard_night(v.session, check_in=check_in)
            reached = await after_win(v.session, user=user, kind=kind, now=v.now, hold=hold)
            shares = await milestone_shares(v.session, user=user, keys=reached, now=v.now)
            invited = awaiting.parse(user.awaiting) == awaiting.note(check_in.id)
            markup = await buttons_after_offer(
                v.session, query, check_in, locale, invited=invited, named=kind
            )
    if toast:
        await answer(query, render(toast, locale), show_alert=True)
        return
    await answer(query, render(f"win_noted_{kind}", locale))
    await edit_markup(query, markup)
    await send(update, [*celebrations(reached, locale), *shares.replies()])
    await deliver(update, context, shares.deliveries)
