"""Taps on a prompt: a 1-5 rating, Later (snooze once), or Skip this one; and Open, which
shows a discreet message's words (a prompt, a weekly summary or a question about pace)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update

from bot import awaiting, keyboards
from bot.handlers import pacing
from bot.handlers.answered import answered_prompt
from bot.handlers.common import Reply, answer, edit, edit_markup, is_member, reply, send
from bot.handlers.confiding import Shares, deliver, milestone_shares
from bot.handlers.milestones import after_check_in, celebrations, hard_night, held_back
from bot.handlers.partner import answer_kept
from bot.handlers.safety import care_offer
from bot.handlers.summary import opened_summary
from bot.handlers.taps import Visit, visit
from bot.services import AttuneContext
from messages import is_ritual, render, ritual_text
from messages.formats import clock
from progress.care import celebrates_held
from scheduler.pacing import asked_instead
from scheduler.prompt_words import prompt_words
from scheduler.snooze import snooze_options
from scheduler.summary import WEEKLY_SUMMARY
from scheduler.zones import resolve_zone
from store import partner_rounds
from store import prompts as prompt_rows
from store.check_ins import rate_prompt
from store.db import write_now
from store.models import Prompt, PromptState
from store.users import count_care_offer


async def _mine(v: Visit, prompt_id: int) -> Prompt | None:
    """The row, if it exists and belongs to the person who pressed.

    Callback data only names a row; a forged, stale or someone else's button names a row
    the presser doesn't own and gets None.
    """
    if v.user is None:
        return None
    return await prompt_rows.own_prompt(v.session, prompt_id=prompt_id, user=v.user)


async def _owned(v: Visit, prompt_id: int) -> Prompt | None:
    """The presser's own prompt of a ritual, one that can be rated, put off or skipped."""
    prompt = await _mine(v, prompt_id)
    if prompt is None or not is_ritual(prompt.subscription.ritual_key):
        return None  # a weekly summary, or a ritual retired from the catalogue
    if asked_instead(prompt.due_at, prompt.subscription.pacing_asked_at):
        return None  # the question about pace stood in for this prompt: nothing to rate
    return prompt


async def rate(update: Update, context: AttuneContext) -> None:
    """Record a rating for the person's own prompt; a second tap changes it.

    The thanks and the invitation to write a few words come in the same edit that marks
    the answer (bot.handlers.answered); only a milestone or, on a hard night, the care
    offer comes as a message of its own.
    """
    query = update.callback_query
    if query is None or context.match is None:
        return
    prompt_id, rating = int(context.match.group(1)), int(context.match.group(2))
    async with visit(update, context) as v:
        session, now, locale = v.session, v.now, v.locale
        prompt = await _owned(v, prompt_id)
        if prompt is None:
            toast = "toast_not_yours"
        elif not is_member(prompt.subscription.user):
            toast = "toast_start_first"  # consent to a newer text comes before storing
        elif not 1 <= rating <= 5:
            toast = "toast_button_unknown"
        else:
            toast = ""
            user = prompt.subscription.user
            key, words = prompt.subscription.ritual_key, _words(prompt)
            check_in, is_new = await rate_prompt(
                session, prompt=prompt, user_id=user.id, rating=rating, now=now
            )
            reached: list[str] = []
            held: list[str] = []
            shares = Shares()
            offered = 0
            # In a round shared with a partner, the answer waits there for theirs.
            shared = await partner_rounds.answered(session, prompt_id=prompt.id, now=now)
            kept = await answer_kept(session, user_id=user.id, turns=shared, locale=locale)
            care = await hard_night(session, check_in=check_in)
            if is_new:
                if care:
                    offered = await count_care_offer(session, user_id=user.id)
                # The person's next message, if they write one, is a note for this rating.
                await write_now(session, user, awaiting=awaiting.note(check_in.id).stored())
                # Only a first rating can reach a milestone: a changed one celebrates nothing,
                # and a hard night keeps what it reaches for a later one.
                reached = await after_check_in(
                    session, user=user, check_in=check_in, has_note=False, now=now, hold=care
                )
                if celebrates_held(rating):
                    held = await held_back(session, user=user)
                # Only what is celebrated now may be shared: never what a hard night held.
                shares = await milestone_shares(session, user=user, keys=reached, now=now)
            # Naming the step rides on the thanks: no request of its own. Not on a hard
            # night, when the turn belongs to care.
            shown = answered_prompt(prompt, check_in, words, now=now, care=care)
    if toast:
        await answer(query, render(toast, locale), show_alert=True)
        return
    if is_new:  # committed by now
        context.services.metrics.check_in_received()
    toast_key = "toast_rating_saved" if is_new else "toast_rating_changed"
    await answer(query, render(toast_key, locale, rating=rating))
    # A changed answer is thanked in its own words, in place: no message of its own.
    await edit(query, shown)
    if is_new:
        replies = celebrations(reached, locale, held=held)
        if care:  # then nothing above celebrates
            replies.append(care_offer(locale, key, offered))
        await send(update, [*kept, *replies, *shares.replies()])
        await deliver(update, context, shares.deliveries)


async def later(update: Update, context: AttuneContext) -> None:
    """Show when the prompt can come back."""
    view = await _open_prompt(update, context)
    if view is None or update.callback_query is None:
        return
    zone = resolve_zone(view.timezone)
    now = context.services.clock()
    shown = {
        key: clock(at.astimezone(zone), view.locale)
        for key, at in snooze_options(now, zone).items()
    }
    await answer(update.callback_query)
    await edit_markup(
        update.callback_query, keyboards.snooze_choices(view.locale, view.prompt_id, shown)
    )


async def back_to_prompt(update: Update, context: AttuneContext) -> None:
    """Close the "Later" choices: the prompt's own buttons again."""
    view = await _open_prompt(update, context)
    if view is None or update.callback_query is None:
        return
    await answer(update.callback_query)
    await edit_markup(update.callback_query, view.keyboard())


async def snooze(update: Update, context: AttuneContext) -> None:
    """Bring the prompt back once, at the chosen time."""
    query = update.callback_query
    if query is None or context.match is None:
        return
    prompt_id, option = int(context.match.group(1)), context.match.group(2)
    async with visit(update, context) as v:
        now = v.now
        prompt = await _owned(v, prompt_id)
        toast = _closed_toast(prompt) or (
            "toast_snoozed_once" if prompt and prompt.snoozes else ""
        )
        if prompt is not None and not toast:
            user = prompt.subscription.user
            zone = resolve_zone(user.timezone or "UTC")
            options = snooze_options(now, zone)
            if option not in options:
                toast = "toast_button_unknown"  # "this evening" offered earlier, now past
            else:
                until = options[option]
                prompt_rows.snooze(prompt, until=until)
                locale, words = user.locale, _words(prompt)
    if prompt is None or toast:
        await answer(query, render(toast or "toast_not_yours", v.locale), show_alert=True)
        return
    await answer(query)
    back_at = clock(until.astimezone(zone), locale)
    await edit(
        query,
        reply("prompt_snoozed", locale, prompt=words, time=back_at),
    )


async def skip(update: Update, context: AttuneContext) -> None:
    """Skip this one: no penalty, no follow-up."""
    query = update.callback_query
    if query is None or context.match is None:
        return
    prompt_id = int(context.match.group(1))
    async with visit(update, context) as v:
        prompt = await _owned(v, prompt_id)
        toast = _closed_toast(prompt)
        if prompt is not None and not toast:
            prompt_rows.skip(prompt)
            locale, words = prompt.subscription.user.locale, _words(prompt)
    if prompt is None or toast:
        await answer(query, render(toast or "toast_not_yours", v.locale), show_alert=True)
        return
    await answer(query)
    await edit(query, reply("prompt_skipped", locale, prompt=words))


def _words(prompt: Prompt) -> str:
    """The prompt's words as they were sent: the same text every time it is shown."""
    sub = prompt.subscription
    return prompt_words(
        sub.ritual_key,
        sub.user.locale,
        prompt.variant,
        claimed_at=prompt.claimed_at,
        timezone=sub.user.timezone,
    )


def _closed_toast(prompt: Prompt | None) -> str:
    """Why Later/Skip no longer apply to this prompt ("" while it is open)."""
    if prompt is None:
        return "toast_not_yours"
    if prompt.state in (PromptState.SENT, PromptState.CLAIMED):
        return ""
    return "toast_prompt_closed"


async def open_prompt(update: Update, context: AttuneContext) -> None:
    """Open a discreet message in place: a prompt's words and buttons, a weekly summary
    (any time: it is a look back), or the question about a ritual's pace."""
    query = update.callback_query
    if query is None or context.match is None:
        return
    prompt_id = int(context.match.group(1))
    async with visit(update, context) as v:
        opened = await _opened(v, await _mine(v, prompt_id))
    if isinstance(opened, str):
        await answer(query, render(opened, v.locale), show_alert=True)
        return
    await answer(query)
    await edit(query, opened)


async def _opened(v: Visit, row: Prompt | None) -> Reply | str:
    """What Open shows of the presser's row, or the toast that says why nothing."""
    if row is None:
        return "toast_not_yours"
    sub = row.subscription
    if sub.ritual_key == WEEKLY_SUMMARY:
        return await opened_summary(v.session, row)
    if not is_ritual(sub.ritual_key):
        return "toast_not_yours"  # a ritual retired from the catalogue
    if toast := _closed_toast(row):
        return toast
    if asked_instead(row.due_at, sub.pacing_asked_at):
        return pacing.offer(sub, sub.user.locale)
    view = _view(row)
    return Reply(view.words, view.keyboard())


@dataclass(frozen=True, slots=True)
class _OpenPrompt:
    """What a button on a still-open prompt needs, read once."""

    prompt_id: int
    locale: str
    key: str
    words: str
    can_snooze: bool
    timezone: str

    def keyboard(self) -> InlineKeyboardMarkup | None:
        """The prompt's own buttons: 1-5, Later (once) and Skip."""
        labels = ritual_text(self.key, self.locale).labels
        return keyboards.prompt(self.locale, self.prompt_id, labels, can_snooze=self.can_snooze)


async def _open_prompt(update: Update, context: AttuneContext) -> _OpenPrompt | None:
    """The pressed prompt, if it is the presser's and still open; else say why not."""
    query = update.callback_query
    if query is None or context.match is None:
        return None
    prompt_id = int(context.match.group(1))
    async with visit(update, context) as v:
        prompt = await _owned(v, prompt_id)
        toast = _closed_toast(prompt)
        if prompt is not None and not toast:
            return _view(prompt)
    await answer(query, render(toast or "toast_not_yours", v.locale), show_alert=True)
    return None


def _view(prompt: Prompt) -> _OpenPrompt:
    sub = prompt.subscription
    return _OpenPrompt(
        prompt_id=prompt.id,
        locale=sub.user.locale,
        key=sub.ritual_key,
        words=_words(prompt),
        can_snooze=prompt.snoozes == 0,
        timezone=sub.user.timezone or "UTC",
    )
