"""An answered prompt: one message that keeps the prompt's words, shows the answer, thanks
the person and offers what may follow (a few words, a name for the kind of step).

The thank-you rides on the edit that marks the answer, so a check-in costs the prompt, the
tap's answer and that one edit, where a thank-you of its own was one more message against
Telegram's sending limits (benchmarks/bench_requests.py counts them). The offer's buttons
sit under the prompt's 1-5; whatever changes the offer later (a step named, No thanks, a
changed rating) draws the 1-5 again above it, so the rating can always still be changed.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, InlineKeyboardMarkup

from bot import awaiting, keyboards
from bot.formatting import describe_day
from bot.handlers.common import Reply
from messages import acknowledgement, is_ritual, render, ritual_text
from progress.calendar import local_day
from progress.wins import is_win, offers_wins
from scheduler.zones import resolve_zone
from store import prompts as prompt_rows
from store.models import CheckIn, Prompt


def answered_prompt(
    prompt: Prompt, check_in: CheckIn, words: str, *, now: datetime, care: bool
) -> Reply:
    """The prompt's `words`, the answer, the thanks and, while a few words are welcome, the
    invitation; under it the 1-5, the chosen one marked, then what the thanks offers: the
    kinds of step for a practice about steps, unless it is a hard night (`care`)."""
    sub = prompt.subscription
    user, key, rating = sub.user, sub.ritual_key, check_in.rating
    zone = resolve_zone(user.timezone or "UTC")
    # Thanks take turns with each prompt the ritual sends, apart from its words.
    said = _thanks(key, user.locale, rating, sub.prompts_claimed, prompt.due_at, now, zone)
    invited = awaiting.parse(user.awaiting) == awaiting.note(check_in.id)
    wins = offers_wins(key) and not care
    if invited:
        said = render("note_invite_win" if wins else "note_invite", user.locale, thanks=said)
    labels = ritual_text(key, user.locale).labels
    offer = _offer(user.locale, check_in.id, invited=invited, named=check_in.win, wins=wins)
    return Reply(
        render(
            "prompt_answered",
            user.locale,
            prompt=words,
            rating=rating,
            label=labels[rating],
            thanks=said,
        ),
        keyboards.answered(user.locale, prompt.id, labels, rating, offer),
    )


def _thanks(
    key: str, locale: str, rating: int, turn: int, due: datetime, now: datetime, zone: tzinfo
) -> str:
    """The practice's thanks for a rating; a rating given on a later day than its prompt
    was due says which day it was noted for."""
    said = acknowledgement(key, locale, rating, turn)
    if local_day(due, zone) == local_day(now, zone):
        return said
    return render("rating_late", locale, day=describe_day(due, zone, now, locale), thanks=said)


def _offer(
    locale: str, check_in_id: int, *, invited: bool, named: str | None, wins: bool = False
) -> InlineKeyboardMarkup | None:
    """What the thanks offers: the step named, marked; else, while a few words are welcome,
    the kinds of step (with `wins`) and No thanks. None once there is nothing to offer."""
    if named is not None and is_win(named):
        return keyboards.win_named(locale, check_in_id, named, invited=invited)
    if not invited:
        return None
    if wins:
        return keyboards.wins(locale, check_in_id)
    return keyboards.no_thanks(locale, check_in_id)


async def buttons_after_offer(
    session: AsyncSession,
    query: CallbackQuery,
    check_in: CheckIn,
    locale: str,
    *,
    invited: bool,
    named: str | None,
) -> InlineKeyboardMarkup | None:
    """The pressed message's buttons once its offer changed (a step `named`, or No thanks).

    Pressed on the answered prompt itself, its 1-5 stay above the offer; pressed on a
    thank-you sent as a message of its own (as it was before the two became one), the
    offer alone.
    """
    offer = _offer(locale, check_in.id, invited=invited, named=named)
    prompt = None
    if check_in.prompt_id is not None and is_ritual(check_in.ritual_key):
        prompt = await prompt_rows.get_prompt(session, prompt_id=check_in.prompt_id)
    pressed = query.message.message_id if query.message is not None else None
    if prompt is None or prompt.message_id is None or prompt.message_id != pressed:
        return offer
    labels = ritual_text(check_in.ritual_key, locale).labels
    return keyboards.answered(locale, prompt.id, labels, check_in.rating, offer)
