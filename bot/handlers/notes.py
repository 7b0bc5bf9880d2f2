"""Notes: a few words after a rating, or any time with /journal. Stored sealed with the
person's own key."""

from __future__ import annotations

from telegram import Update

from bot import awaiting, keyboards
from bot.awaiting import Awaiting
from bot.handlers.answered import buttons_after_offer
from bot.handlers.common import Reply, answer, edit_markup, reply
from bot.handlers.confiding import milestone_shares
from bot.handlers.crisis import crisis_reply
from bot.handlers.milestones import after_check_in, after_journal_note, celebrations, hard_night
from bot.handlers.partner import note_question
from bot.handlers.taps import Tap, member_button, member_command, ritual_key, visit
from bot.services import AttuneContext
from messages import is_ritual, ritual_text
from messages.formats import number
from messages.safety import detect
from store.check_ins import get_check_in
from store.notes import MAX_NOTE_CHARS, add_note, note_cap


async def journal_command(update: Update, context: AttuneContext) -> None:
    """/journal: the next message is a note, optionally filed under a practice."""
    await member_command(update, context, _ask_journal)


async def journal_button(update: Update, context: AttuneContext) -> None:
    """The "write a private note" button (under the reply to free text): as /journal."""
    if update.callback_query is not None:
        await answer(update.callback_query)
    await member_command(update, context, _ask_journal)


async def _ask_journal(tap: Tap) -> list[Reply]:
    tap.user.awaiting = awaiting.journal().stored()
    # Rituals only: a weekly summary is a subscription too, but nothing to write about.
    active = [s.ritual_key for s in tap.user.subscriptions if s.active and is_ritual(s.ritual_key)]
    return [reply("journal_ask", tap.locale, keyboards.journal_rituals(tap.locale, active))]


async def journal_ritual_button(update: Update, context: AttuneContext) -> None:
    """File the coming journal note under a practice."""

    async def file_under(tap: Tap) -> Reply:
        tap.user.awaiting = awaiting.journal(tap.key).stored()
        name = ritual_text(tap.key, tap.locale).name
        return reply("journal_ask_ritual", tap.locale, name=name)

    await member_button(update, context, file_under, key=ritual_key(context))


async def no_thanks(update: Update, context: AttuneContext) -> None:
    """Decline the few words after a rating; the open question closes."""
    query = update.callback_query
    if query is None or context.match is None:
        return
    check_in_id = int(context.match.group(1))
    markup = None
    async with visit(update, context) as v:
        if v.user is not None and awaiting.parse(v.user.awaiting) == awaiting.note(check_in_id):
            v.user.awaiting = None
        check_in = await get_check_in(v.session, check_in_id=check_in_id)
        if check_in is None:
            toast = "toast_button_unknown"  # gone with /delete, or never there
        elif v.user is None or check_in.user_id != v.user.id:
            toast = "toast_not_yours"
        else:
            toast = ""
            # A step already named stays shown, and so do the prompt's 1-5 above it; the
            # offer of a name or words closes.
            markup = await buttons_after_offer(
                v.session, query, check_in, v.locale, invited=False, named=check_in.win
            )
    if toast:  # the buttons under it stay as they are
        await answer(query, reply(toast, v.locale).text, show_alert=True)
        return
    await answer(query, reply("toast_no_thanks", v.locale).text)
    await edit_markup(query, markup)


async def note_text(context: AttuneContext, tap: Tap, target: Awaiting, text: str) -> list[Reply]:
    """Typed text while a note is invited: store it sealed, or say kindly why not."""
    session, user, locale, now = tap.session, tap.user, tap.locale, tap.now
    if len(text) > MAX_NOTE_CHARS:
        # Refused whole, with its length, and the question stays open for a shorter one.
        length, most = number(len(text), locale), number(MAX_NOTE_CHARS, locale)
        return [reply("note_too_long", locale, length=length, limit=most)]
    check_in_id, ritual_key, check_in = None, None, None
    if target.check_in_id is not None:
        found = await get_check_in(session, check_in_id=target.check_in_id)
        if found is not None and found.user_id == user.id:
            check_in, check_in_id, ritual_key = found, found.id, found.ritual_key
    else:
        ritual_key = target.ritual  # a journal note, maybe filed under a ritual
    settings = context.services.settings
    cap = await note_cap(
        session,
        user_id=user.id,
        now=now,
        check_in_id=check_in_id,
        per_day=settings.notes_per_day,
        in_all=settings.notes_in_all,
    )
    if cap is not None:
        # Not stored, and the question closes; what was saved before stays as it is.
        # Words of danger still get care first.
        user.awaiting = None
        limit = settings.notes_per_day if cap == "day" else settings.notes_in_all
        at_cap = reply(f"note_cap_{cap}", locale, limit=number(limit, locale))
        dangers = detect(text, locale)
        return [crisis_reply(context, locale, user, dangers), at_cap] if dangers else [at_cap]
    await add_note(
        session,
        user_id=user.id,
        text=text,
        now=now,
        check_in_id=check_in_id,
        ritual_key=ritual_key,
    )
    user.awaiting = None
    # A note that speaks of danger is kept, and so is what it reaches, held back for a
    # better moment: the reply tonight is care, not celebration.
    dangers = detect(text, locale)
    if check_in is not None:
        # A note on a hard night's rating holds back what it reaches, as the rating did.
        hold = bool(dangers) or await hard_night(session, check_in=check_in)
        reached = await after_check_in(
            session, user=user, check_in=check_in, has_note=True, now=now, hold=hold
        )
    else:
        reached = await after_journal_note(session, user=user, now=now, hold=bool(dangers))
    if dangers:
        return [crisis_reply(context, locale, user, dangers)]
    # Words written with an answer shared with a partner stay the writer's unless they
    # choose to show them: asked now, kept until then.
    shared = None
    if check_in is not None:
        shared = await note_question(
            session, user_id=user.id, prompt_id=check_in.prompt_id, locale=locale
        )
    shares = await milestone_shares(session, user=user, keys=reached, now=now, auto=False)
    saved = [reply("note_saved", locale), *([shared] if shared else [])]
    return [*saved, *celebrations(reached, locale), *shares.replies()]
