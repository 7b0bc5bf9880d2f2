"""The person's rights: the privacy policy, /export of everything, /delete of everything."""

from __future__ import annotations

import csv
import io
import json
import logging

from telegram import InputFile, Update
from telegram.error import TelegramError

from bot import keyboards
from bot.handlers.common import answer, edit, reply, send
from bot.handlers.confiding import Delivery, deliver, ended_notices
from bot.handlers.taps import person_locale, visit
from bot.logs import who
from bot.services import AttuneContext
from messages import is_ritual, render, ritual_text
from messages.consent import consent_values
from messages.formats import number
from progress.wins import is_win
from store.personal_data import collect, erase

log = logging.getLogger(__name__)

# Telegram lets a bot delete messages for 48 hours; going back this many message ids
# covers any recent conversation (ids in a private chat count both sides' messages).
_DELETE_BACK = 1000


async def privacy_command(update: Update, context: AttuneContext) -> None:
    """/privacy: the full policy."""
    contact = context.services.settings.operator_contact.strip()
    locale = await person_locale(update, context)
    who = contact or render("privacy_contact_unset", locale)
    await send(
        update,
        [
            reply("privacy_policy", locale, None, contact=who, **consent_values(locale)),
            reply("privacy_partner", locale),
        ],
    )


async def export_command(update: Update, context: AttuneContext) -> None:
    """/export: everything stored about the person, as a JSON file and a CSV of check-ins."""
    tg_user, chat = update.effective_user, update.effective_chat
    if tg_user is None or chat is None:
        return
    async with visit(update, context) as v:
        locale, data = v.locale, None
        if v.user is not None:
            data = await collect(v.session, user=v.user)
    if data is None:
        await send(update, [reply("export_nothing", locale)])
        return
    as_json = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    log.debug("export for %s", who(tg_user.id))
    await chat.send_document(
        InputFile(as_json, filename="attune-export.json"),
        caption=render("export_json_caption", locale),
        protect_content=True,
    )
    await chat.send_document(
        InputFile(_check_ins_csv(data, locale), filename="attune-check-ins.csv"),
        caption=render("export_csv_caption", locale),
        protect_content=True,
    )
    unreadable = sum(1 for n in data["notes"] if n["unreadable"])
    if unreadable:
        log.warning("export for %s: %d notes no configured key opens", who(tg_user.id), unreadable)
        await send(
            update,
            [reply("export_unreadable_notes", locale, None, count=number(unreadable, locale))],
        )


async def delete_command(update: Update, context: AttuneContext) -> None:
    """/delete: ask once, plainly, before erasing everything."""
    if update.effective_user is None:
        return
    async with visit(update, context) as v:
        pass  # only who is asking
    if v.user is None:
        await send(update, [reply("delete_nothing", v.locale)])
        return
    await send(update, [reply("delete_confirm", v.locale, keyboards.delete_confirm(v.locale))])


async def delete_answer(update: Update, context: AttuneContext) -> None:
    """The /delete buttons: erase everything, or keep it."""
    query = update.callback_query
    if query is None or context.match is None or query.message is None:
        return
    if context.match.group(1) == "no":
        await answer(query)
        await edit(query, reply("delete_kept", await person_locale(update, context)))
        return
    notices: list[Delivery] = []
    async with visit(update, context) as v:
        if v.user is not None:
            # The other side of each link is told it ended (not why): read before the key
            # that opens the names is destroyed.
            notices = await ended_notices(v.session, user_id=v.user.id)
            await erase(v.session, user_id=v.user.id)
            log.info("erased everything of %s", who(query.from_user.id))
    scrubber = context.services.scrubber
    if scrubber is None:
        raise RuntimeError("the database is not open yet")
    # The rows are gone; the database's older copies of them are cleared now, or (while
    # something else reads an SQLite database) within minutes, and the reply says which.
    cleared = await scrubber.after_erasure()
    await answer(query)
    await _delete_recent_messages(context, query.message.chat.id, query.message.message_id)
    # In the language they had: their row, and the choice in it, are gone now.
    await send(update, [reply("delete_done" if cleared else "delete_done_soon", v.locale)])
    await deliver(update, context, notices)


async def _delete_recent_messages(context: AttuneContext, chat_id: int, newest: int) -> None:
    """Delete the chat's recent messages, newest first, a hundred per request."""
    for top in range(newest, max(newest - _DELETE_BACK, 0), -100):
        ids = list(range(top, max(top - 100, 0), -1))
        try:
            await context.bot.delete_messages(chat_id, ids)
        except TelegramError as error:  # older than Telegram allows, or already gone
            log.info("could not delete older messages: %s", type(error).__name__)
            return


def _check_ins_csv(data: dict[str, object], locale: str) -> bytes:
    notes = {n["check_in_id"]: n["text"] or "" for n in data["notes"]}  # type: ignore[attr-defined]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["practiced_at", "ritual", "rating", "step_named", "note"])
    for c in data["check_ins"]:  # type: ignore[attr-defined]
        key, step = c["ritual"], c["step_named"] or ""
        name = ritual_text(key, locale).name if is_ritual(key) else key
        named = render(f"win_label_{step}", locale) if is_win(step) else step
        writer.writerow([c["practiced_at"], name, c["rating"], named, notes.get(c["id"], "")])
    return out.getvalue().encode("utf-8")
