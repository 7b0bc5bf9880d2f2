"""/progress and /history: a person looking back over their own practice.

/progress sends a short text (with a few observed patterns) and a picture that suits the
history (``progress.picture``: a recent chart, or a year in days and weeks); /history shows
check-ins with their notes, newest first, a page at a time. Both only ever read the
presser's own rows: a page button names a page number, never a row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from telegram import Update

from bot import keyboards
from bot.handlers.common import Reply
from bot.handlers.taps import Tap, choice, member_button, member_command
from bot.services import AttuneContext
from progress.history import Entry, history_page, nearest_page
from progress.picture import Picture, choose_picture, picture_caption, render_picture
from progress.report import progress_message
from scheduler.zones import resolve_zone
from store.progress import history, history_newest_first, note_bodies

PER_PAGE = 5


@dataclass(frozen=True, slots=True)
class _Chart:
    """What the picture is drawn from, gathered inside the transaction, drawn after it."""

    picture: Picture
    history: Sequence[Entry]
    zone: tzinfo
    now: datetime
    locale: str
    discreet: bool
    caption: str


async def progress_command(update: Update, context: AttuneContext) -> None:
    """/progress: how practice has been going, in words and, if there is any, a picture."""
    charts: list[_Chart] = []

    async def show(tap: Tap) -> list[Reply]:
        entries = await history(tap.session, user_id=tap.user.id)
        zone = resolve_zone(tap.user.timezone or "UTC")
        discreet = tap.user.discreet
        picture = choose_picture(entries, zone, tap.now)
        if picture is not None:
            caption = picture_caption(picture, tap.locale, discreet=discreet)
            charts.append(_Chart(picture, entries, zone, tap.now, tap.locale, discreet, caption))
        return [Reply(progress_message(entries, zone, tap.now, tap.locale))]

    await member_command(update, context, show)
    chat = update.effective_chat
    if chat is None:
        return
    for chart in charts:
        # Drawing takes up to a few hundred milliseconds of CPU: off the event loop.
        png = await asyncio.to_thread(
            render_picture,
            chart.picture,
            chart.history,
            chart.zone,
            chart.now,
            chart.locale,
            discreet=chart.discreet,
        )
        await chat.send_photo(png, caption=chart.caption)


async def history_command(update: Update, context: AttuneContext) -> None:
    """/history: the newest check-ins and their notes."""

    async def show(tap: Tap) -> list[Reply]:
        return [await history_reply(tap, 0)]

    await member_command(update, context, show)


async def page_button(update: Update, context: AttuneContext) -> None:
    """Newer or Older: another page of the presser's own history, in place."""
    picked = choice(context)

    async def show(tap: Tap) -> Reply:
        return await history_reply(tap, int(picked) if picked.isdigit() else 0)

    await member_button(update, context, show)


async def history_reply(tap: Tap, page: int) -> Reply:
    """One page of the person's history; a page past the end shows the nearest real one.

    Every check-in is read (cheap: no note bodies), and only the notes on the page shown
    are read and opened.
    """
    rows = await history_newest_first(tap.session, user_id=tap.user.id)
    page = nearest_page(len(rows), page, PER_PAGE)
    shown = rows[page * PER_PAGE : (page + 1) * PER_PAGE]
    bodies = await note_bodies(
        tap.session, user_id=tap.user.id, check_in_ids=[check_in for check_in, _ in shown]
    )
    items = [(entry, bodies.get(check_in)) for check_in, entry in rows]
    zone = resolve_zone(tap.user.timezone or "UTC")
    text, newer, older = history_page(items, zone, tap.locale, page, PER_PAGE)
    return Reply(text, keyboards.history_pages(tap.locale, page, newer=newer, older=older))
