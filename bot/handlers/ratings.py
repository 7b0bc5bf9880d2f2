"""A tap on a prompt's 1-5 buttons: store it, show it, thank the person."""

from __future__ import annotations

from telegram import Update

from bot import keyboards
from bot.handlers.common import Reply, edit, locale_of, reply, send
from bot.services import AttuneContext
from messages import acknowledgement, is_ritual, prompt_message, render, ritual_text
from store.check_ins import rate_prompt
from store.prompts import get_prompt


async def rate(update: Update, context: AttuneContext) -> None:
    """Record a rating for the person's own prompt; a second tap changes it."""
    query = update.callback_query
    if query is None or context.match is None:
        return
    prompt_id, rating = int(context.match.group(1)), int(context.match.group(2))
    now = context.services.clock()
    async with context.services.session() as session, session.begin():
        prompt = await get_prompt(session, prompt_id=prompt_id)
        owner = prompt.subscription.user if prompt is not None else None
        locale = locale_of(update, owner)
        # A forged, stale or someone else's button names a row the presser doesn't own.
        if prompt is None or owner is None or owner.telegram_id != query.from_user.id:
            toast = "toast_not_yours"
        elif not 1 <= rating <= 5 or not is_ritual(prompt.subscription.ritual_key):
            toast = "toast_button_unknown"
        else:
            toast = ""
            key, variant = prompt.subscription.ritual_key, prompt.variant
            _, is_new = await rate_prompt(
                session, prompt=prompt, user_id=owner.id, rating=rating, now=now
            )
    if toast:
        await query.answer(render(toast, locale), show_alert=True)
        return
    labels = ritual_text(key, locale).labels
    toast_key = "toast_rating_saved" if is_new else "toast_rating_changed"
    await query.answer(render(toast_key, locale, rating=rating))
    answered = reply(
        "prompt_answered",
        locale,
        keyboards.rating(locale, prompt_id, labels, chosen=rating),
        prompt=prompt_message(key, locale, variant),
        rating=rating,
        label=labels[rating],
    )
    await edit(query, answered)
    # A changed answer is acknowledged by the toast alone: no second thank-you.
    if is_new:
        await send(update, [Reply(acknowledgement(key, locale, rating, variant))])
