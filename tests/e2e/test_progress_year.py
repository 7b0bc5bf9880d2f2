"""/progress after a year of all eight practices: the year picture, through the real bot.

A year of check-ins (one a day for each practice, except every fifth day) is written into
the database as if it had been lived; then /progress goes through the real application and
the emulator, which validates sendPhoto against the Bot API. The photo must be exactly the
year picture drawn from that history, and /progress must take two requests: the words and
the photo.
"""

from __future__ import annotations

import io
import random
from datetime import timedelta

import matplotlib.image
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render, ritual_text, rituals
from progress.history import Entry
from progress.picture import View, choose_picture, picture_caption, render_picture
from scheduler.zones import resolve_zone
from store.check_ins import sealed_practice
from store.db import session_factory
from store.models import CheckIn, User
from store.person_keys import key_to_seal
from tests.databases import keyring_for
from tests.e2e.flows import onboard
from tests.e2e.harness import FakeClock
from tests.e2e.practice import sent_photos


def a_year(clock: FakeClock) -> list[Entry]:
    rng = random.Random(12)
    return [
        Entry(item.key, rng.randint(1, 5), clock.now - timedelta(days=day, minutes=7 * index))
        for index, item in enumerate(rituals())
        for day in range(365)
        if day % 5 != 2
    ]


async def _store(database_url: str, telegram_id: int, history: list[Entry]) -> None:
    engine, ring = create_async_engine(database_url), keyring_for(database_url)
    try:
        async with session_factory(engine, ring)() as session, session.begin():
            user_id = await session.scalar(select(User.id).where(User.telegram_id == telegram_id))
            assert user_id is not None
            key = await key_to_seal(session, user_id=user_id)
            await session.execute(
                insert(CheckIn),
                [
                    {
                        "user_id": user_id,
                        **sealed_practice(key, entry.ritual_key, entry.rating),
                        "practiced_at": entry.practiced_at,
                        "created_at": entry.practiced_at,
                        "updated_at": entry.practiced_at,
                    }
                    for entry in history
                ],
            )
    finally:
        await engine.dispose()
        await ring.dispose()


async def _set_discreet(database_url: str, telegram_id: int, discreet: bool) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(User).where(User.telegram_id == telegram_id).values(discreet=discreet)
            )
    finally:
        await engine.dispose()


async def test_a_year_of_eight_practices_gets_the_year_picture_in_two_requests(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    sam = emulator.user(user_id=13101, first_name="Sam")
    await onboard(sam, discreet=True)
    history = a_year(clock)
    assert len(history) == 2336
    await _store(database_url, sam.user_id, history)

    start = len(emulator.calls)
    mark = sam.mark()
    await sam.send("/progress")
    title = render("progress_title", "en")
    await sam.wait_for_message(lambda m: (m.text or "").startswith(title), after=mark)
    await emulator.wait_for_call("sendPhoto", lambda c: c.ok, after=start)
    [(call, png)] = sent_photos(emulator, sam.chat_id)
    # A person in discreet mode (the default) sees a caption that names no practice.
    assert call.params["caption"] == render("year_caption_discreet", "en")

    zone = resolve_zone("Europe/Berlin")
    picture = choose_picture(history, zone, clock.now)
    assert picture is not None and picture.view is View.YEAR and picture.span == 12
    assert png == render_picture(picture, history, zone, clock.now, "en", discreet=True)
    # 12 calendar rows and eight panels, two to a row, 360 pixels wide at twice the density.
    assert matplotlib.image.imread(io.BytesIO(png), format="png").shape[:2] == (1156, 720)
    sent = [
        c.method
        for c in emulator.calls[start:]
        if c.method in ("sendMessage", "sendPhoto", "sendMediaGroup")
    ]
    assert sent == ["sendMessage", "sendPhoto"]

    await _set_discreet(database_url, sam.user_id, False)
    start = len(emulator.calls)
    await sam.send("/progress")
    named = await emulator.wait_for_call("sendPhoto", lambda c: c.ok, after=start)
    names = "; ".join(ritual_text(item.key).name for item in rituals())
    assert named.params["caption"] == render("year_caption", "en", since="Dec 2025", names=names)
    assert named.params["caption"] == picture_caption(picture, "en", discreet=False)
