"""/progress and /history: a person looking back over their own practice.

/progress sends a short text (with a few observed patterns) and a picture that suits the
history (``progress.picture``: a recent chart, or a year in days and weeks); /history shows
check-ins with their notes, newest first, a page at a time. Both only ever read the
presser's own rows. A page button names the check-in at the edge of the page it was under,
and the next page is the few rows just beyond it in the index (keyset paging), so a page
costs the same after ten check-ins or thirty thousand; a button that names no check-in of
the presser's gets a kind word and changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from telegram import Update

from bot import keyboards
from bot.handlers.common import Reply
from bot.handlers.taps import Tap, choice, member_button, member_command
from bot.services import AttuneContext
from progress.history import Entry, history_page
from progress.picture import Picture, choose_picture, picture_caption, render_picture
from progress.report import progress_message
from scheduler.zones import resolve_zone
from store.progress import history, newer_check_ins, note_bodies, older_check_ins, place_of

log = logging.getLogger(__name__)

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
        return [await history_reply(tap, await _newest(tap))]

    await member_command(update, context, show)


async def page_button(update: Update, context: AttuneContext) -> None:
    """Newer or Older: another page of the presser's own history, in place."""
    way, check_in_id, page = choice(context, 1), int(choice(context, 2)), int(choice(context, 3))

    async def show(tap: Tap) -> Reply | str:
        turned = await _turned(tap, way, check_in_id, page)
        if turned is None:
            return "toast_button_unknown"  # a forged or stale button: nothing changes
        return await history_reply(tap, turned)

    await member_button(update, context, show)


@dataclass(frozen=True, slots=True)
class Page:
    """The check-ins one /history page shows, as (check-in id, entry), newest first; its
    number (0 for the newest); and whether newer and older check-ins lie beyond it."""

    rows: Sequence[tuple[int, Entry]]
    number: int
    newer: bool
    older: bool


async def _newest(tap: Tap) -> Page:
    rows = await older_check_ins(tap.session, user_id=tap.user.id, than=None, limit=PER_PAGE + 1)
    return Page(rows[:PER_PAGE], 0, newer=False, older=len(rows) > PER_PAGE)


async def _turned(tap: Tap, way: str, check_in_id: int, page: int) -> Page | None:
    """The page beyond check-in ``check_in_id`` (older or newer) after page ``page``; None
    if the check-in is not the presser's, or nothing lies beyond it."""
    place = await place_of(tap.session, user_id=tap.user.id, check_in_id=check_in_id)
    if place is None:
        return None
    if way == "o":
        rows = await older_check_ins(
            tap.session, user_id=tap.user.id, than=place, limit=PER_PAGE + 1
        )
        if not rows:
            return None
        return Page(rows[:PER_PAGE], page + 1, newer=True, older=len(rows) > PER_PAGE)
    rows = await newer_check_ins(tap.session, user_id=tap.user.id, than=place, limit=PER_PAGE + 1)
    if len(rows) <= PER_PAGE:
        return await _newest(tap)  # the first page, whole, even if check-ins came since
    return Page(rows[1:], max(page - 1, 1), newer=True, older=True)


async def history_reply(tap: Tap, page: Page) -> Reply:
    """One page of the person's history, with the notes on it: only they are read and
    opened (a note no key opens shows without its words)."""
    notes = await note_bodies(
        tap.session, user_id=tap.user.id, check_in_ids=[check_in for check_in, _ in page.rows]
    )
    items = [(entry, notes.get(check_in)) for check_in, entry in page.rows]
    zone = resolve_zone(tap.user.timezone or "UTC")
    text = history_page(items, zone, tap.locale, page.number)
    newer = page.rows[0][0] if page.newer else None
    older = page.rows[-1][0] if page.older else None
    return Reply(text, keyboards.history_pages(tap.locale, page.number, newer=newer, older=older))
