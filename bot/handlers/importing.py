"""/import: a file from /export taken back, checked strictly, merged without duplicates.

The file comes as a document, with /import as its caption or after /import, from a person
who has onboarded. It is fetched only if Telegram says it is small enough, with no
transaction open meanwhile; read in a thread (bot.export_reader), so other people's updates
go on; and written in one transaction, or not at all. History is merged (store.restore);
practices and settings come back only into an account with no practices yet (through
scheduler.changes, like any schedule change), else the person's own stay as they are.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from telegram import Document, Message, Update
from telegram.error import TelegramError

from bot import awaiting
from bot.export_reader import MAX_BYTES, Export, Unfit, read_export
from bot.handlers.common import Reply, reply, send
from bot.handlers.taps import Tap, member_command
from bot.logs import who
from bot.services import AttuneContext
from messages import render
from scheduler import changes
from store.restore import History, TooManyNotes, restore

log = logging.getLogger(__name__)

_MEGABYTES = MAX_BYTES // (1024 * 1024)
# A file of many megabytes from Telegram's servers takes longer than a message.
_DOWNLOAD_SECONDS = 60.0


async def import_command(update: Update, context: AttuneContext) -> None:
    """/import: ask for the file."""

    async def ask(tap: Tap) -> list[Reply]:
        tap.user.awaiting = awaiting.IMPORT.stored()
        return [reply("import_ask", tap.locale, megabytes=_MEGABYTES)]

    await member_command(update, context, ask)


async def document(update: Update, context: AttuneContext) -> None:
    """A file: brought back when it came with /import or after it; otherwise a pointer."""
    message = update.effective_message
    if message is None or message.document is None or update.effective_user is None:
        return
    wanted: list[Tap] = []

    async def accept(tap: Tap) -> list[Reply]:
        asked = awaiting.parse(tap.user.awaiting) == awaiting.IMPORT
        if not asked and not _caption_asks(message):
            return [reply("import_unasked", tap.locale)]
        wanted.append(tap)
        return []

    await member_command(update, context, accept)
    if not wanted:
        return
    locale = wanted[0].locale
    try:
        export = await _fetch(context, message.document, now=wanted[0].now)

        async def bring_back(tap: Tap) -> list[Reply]:
            return await _bring_back(context, tap, export)

        await member_command(update, context, bring_back)
    except Unfit as unfit:
        await send(update, [reply("import_refused", locale, why=unfit.words(locale))])
    except TooManyNotes:
        limit = context.services.settings.notes_in_all
        why = render("import_why_notes_cap", locale, limit=limit)
        await send(update, [reply("import_refused", locale, why=why)])


def _caption_asks(message: Message) -> bool:
    """The file came with /import (or /import@thisbot) as the first word of its caption."""
    words = (message.caption or "").split()
    return bool(words) and words[0].split("@", 1)[0].lower() == "/import"


async def _fetch(context: AttuneContext, file: Document, *, now: datetime) -> Export:
    """The file from Telegram, read; Unfit when it is too big, can't be fetched, or wrong."""
    if file.file_size is not None and file.file_size > MAX_BYTES:
        raise Unfit("import_why_too_big", megabytes=_MEGABYTES)
    try:
        found = await context.bot.get_file(file.file_id)
        raw = bytes(await found.download_as_bytearray(read_timeout=_DOWNLOAD_SECONDS))
    except TelegramError as error:
        log.info("could not fetch a file to import: %s", type(error).__name__)
        raise Unfit("import_why_fetch") from error
    notes_in_all = context.services.settings.notes_in_all
    return await asyncio.to_thread(read_export, raw, now=now, notes_in_all=notes_in_all)


async def _bring_back(context: AttuneContext, tap: Tap, export: Export) -> list[Reply]:
    """Merge the history; practices and settings too, into an account with no practices."""
    user, locale = tap.user, tap.locale
    if awaiting.parse(user.awaiting) == awaiting.IMPORT:  # a refused file leaves it open
        user.awaiting = None
    fresh = not user.subscriptions
    if fresh:
        await _practices_and_settings(tap, export)
    # Notes older than the person keeps notes would be erased within the hour: left out.
    keep = user.note_retention_days
    notes = export.history.notes
    if keep is not None:
        notes = [n for n in notes if n.written_at >= tap.now - timedelta(days=keep)]
    history = History(export.history.check_ins, notes, export.history.milestones)
    added = await restore(
        tap.session,
        user_id=user.id,
        history=history,
        notes_in_all=context.services.settings.notes_in_all,
    )
    log.info("import for %s", who(user.telegram_id))
    if added.check_ins or added.notes or added.milestones:
        parts = [
            render(
                "import_done",
                locale,
                check_ins=added.check_ins,
                notes=added.notes,
                milestones=added.milestones,
            )
        ]
    else:
        parts = [render("import_nothing_new", locale)]
    if export.practices:
        parts.append(render("import_practices_set" if fresh else "import_practices_kept", locale))
    if export.unreadable_notes:
        parts.append(render("import_notes_unreadable", locale, count=export.unreadable_notes))
    if len(notes) < len(export.history.notes):
        left_out = len(export.history.notes) - len(notes)
        parts.append(render("import_notes_past_keeping", locale, count=left_out, days=keep))
    return [Reply("\n\n".join(parts))]


async def _practices_and_settings(tap: Tap, export: Export) -> None:
    """The file's practices (at their times and days, on or off) and discretion settings
    and help-line country; the timezone stays the one the person gave on arrival."""
    for practice in export.practices:
        await changes.turn_on(
            tap.session,
            user=tap.user,
            ritual_key=practice.ritual_key,
            now=tap.now,
            local_time=practice.local_time,
            weekdays=practice.weekdays,
        )
        if not practice.active:
            await changes.turn_off(
                tap.session, user=tap.user, ritual_key=practice.ritual_key, now=tap.now
            )
    choices = export.choices
    tap.user.discreet, tap.user.quiet = choices.discreet, choices.quiet
    tap.user.note_retention_days = choices.note_retention_days
    tap.user.country = choices.country
