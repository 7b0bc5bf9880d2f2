"""A trusted confidant, end to end with two and three people: an invitation by deep link,
the invitee's 18+ and consent first, acceptance, a milestone shared, Stop receiving and the
other side told; refusals (used, own, unknown) and a confidant who blocked the bot, with
nothing shared in any of them.

The clock starts at Friday 27 November 2026, 13:00 in Berlin; the body scan comes at 22:00.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render, ritual_text
from progress.milestones import milestone_message
from store.models import Invitation, Link, User
from tests.e2e.flows import button_data, erase_everything, onboard, opt_in_default, settled
from tests.e2e.harness import FakeClock
from tests.e2e.practice import prompt_at, rate

TEN_PM_BERLIN = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
_LINK = re.compile(r"https://t\.me/([A-Za-z0-9_]+)\?start=([A-Za-z0-9_-]+)")


async def _count(database_url: str, query: Any) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())
    finally:
        await engine.dispose()


async def _invite(alex: Any, name: str = "Alex") -> str:
    """/share, Invite someone, a first name: the one-time link's token."""
    await alex.send("/share")
    page = await alex.wait_for_message(lambda m: "shnew" in button_data(m))
    await alex.press(page, callback_data="shnew")
    await alex.wait_for_message(lambda m: m.text == render("share_name_ask", "en"))
    await alex.send(name)
    sent = await alex.wait_for_message(lambda m: _LINK.search(m.text or "") is not None)
    found = _LINK.search(sent.text)
    assert found is not None
    assert "protect" not in sent.text  # plain words only; the link is all it carries
    return found[2]


async def _accept_as_newcomer(sam: Any, token: str) -> Any:
    """A newcomer opens the link: 18+ and consent first, then the invitation, accepted."""
    await sam.send(f"/start {token}")
    welcome = await sam.wait_for_message(lambda m: "adult:yes" in button_data(m))
    await sam.press(welcome, callback_data="adult:yes")
    consent = await sam.wait_for_edit(welcome)
    await sam.press(consent, callback_data="consent:yes")
    offer = await sam.wait_for_message(lambda m: "invite:yes" in button_data(m))
    assert offer.text == render("invite_offer", "en", name="Alex")
    await sam.press(offer, callback_data="invite:yes")
    return await sam.wait_for_edit(offer)


async def _first_milestone(bot: AttuneApp, clock: FakeClock, alex: Any) -> Any:
    """Alex's first body scan, rated: the celebration, then the question about sharing."""
    prompt = await prompt_at(bot, clock, alex, TEN_PM_BERLIN)
    await rate(alex, prompt, 4)
    await alex.wait_for_message(lambda m: m.text == milestone_message("first:body_scan", "en"))
    return await alex.wait_for_message(lambda m: m.text == render("share_offer", "en"))


async def test_invite_consent_accept_share_and_stop_receiving(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    alex = emulator.user(user_id=16001, first_name="Alexandra")
    sam = emulator.user(user_id=16002, first_name="Sam")
    kim = emulator.user(user_id=16003, first_name="Kim")
    await onboard(alex)
    await opt_in_default(alex, "body_scan")
    token = await _invite(alex)
    # Not accepted before consent: the pending invitation waits on Sam's row only.
    accepted = await _accept_as_newcomer(sam, token)
    assert accepted.text == render("invite_accepted", "en", name="Alex")
    told = await alex.wait_for_message(
        lambda m: m.text == render("invite_told_accepted", "en", name="Sam")
    )
    assert told is not None
    assert await _count(database_url, select(func.count()).select_from(Link)) == 1

    # The same link forwarded to a third person, and opened by its maker: refused, kindly.
    await kim.send(f"/start {token}")
    await kim.wait_for_message(lambda m: m.text == render("invite_refused_used", "en"))
    await alex.send(f"/start {token}")
    await alex.wait_for_message(lambda m: m.text == render("invite_refused_own", "en"))
    assert await _count(database_url, select(func.count()).select_from(Link)) == 1

    offer = await _first_milestone(bot, clock, alex)
    [data] = [d for d in button_data(offer) if d.startswith("shm:")]
    mark = sam.mark()
    await alex.press(offer, callback_data=data)
    await alex.wait_for_edit(offer)
    # A second tap on the same offer (a double tap, or a replica's retry) sends nothing more.
    await alex.press(offer, callback_data=data)
    await settled(alex)
    what = render("share_what_firsts", "en")
    shared = await sam.wait_for_message(
        lambda m: m.text == render("share_received", "en", name="Alex", what=what), after=mark
    )
    # Only the shown name and the milestone's kind: no practice, rating, or time.
    for never in (ritual_text("body_scan", "en").name, "4", "22:00", "Alexandra"):
        assert never not in shared.text
    await settled(sam)
    # settled() asks for /help: a sentinel that everything before it has arrived.
    after = [m.text for m in sam.messages if m.seq > mark and m.text != render("help", "en")]
    assert after == [shared.text]

    await sam.press(shared, callback_data=next(d for d in button_data(shared) if d))
    await sam.wait_for_edit(shared)
    await alex.wait_for_message(lambda m: m.text == render("share_told_ended", "en", name="Sam"))
    assert await _count(database_url, select(func.count()).select_from(Link)) == 0


async def test_refusals_share_nothing(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    alex = emulator.user(user_id=16011, first_name="Alex")
    sam = emulator.user(user_id=16012, first_name="Sam")
    await onboard(alex)
    await opt_in_default(alex, "body_scan")
    token = await _invite(alex)
    # A guessed token: refused; the newcomer still sees the usual first step.
    await sam.send("/start " + "A" * 43)
    await sam.wait_for_message(lambda m: m.text == render("invite_refused_unknown", "en"))
    await sam.wait_for_message(lambda m: "adult:yes" in button_data(m))
    # Declined after consent: nothing linked, and nobody told.
    await sam.send(f"/start {token}")
    welcome = await sam.wait_for_message(lambda m: "adult:yes" in button_data(m))
    await sam.press(welcome, callback_data="adult:yes")
    consent = await sam.wait_for_edit(welcome)
    await sam.press(consent, callback_data="consent:yes")
    offer = await sam.wait_for_message(lambda m: "invite:no" in button_data(m))
    alex_mark = alex.mark()
    await sam.press(offer, callback_data="invite:no")
    declined = await sam.wait_for_edit(offer)
    assert declined.text == render("invite_declined", "en")
    assert await _count(database_url, select(func.count()).select_from(Link)) == 0
    # With no confidant, a milestone asks nothing about sharing.
    prompt = await prompt_at(bot, clock, alex, TEN_PM_BERLIN)
    await rate(alex, prompt, 4)
    await alex.wait_for_message(lambda m: m.text == milestone_message("first:body_scan", "en"))
    await settled(alex)
    await settled(sam)
    assert render("share_offer", "en") not in [m.text for m in alex.messages if m.seq > alex_mark]
    help_text = render("help", "en")
    assert not [m for m in sam.messages if m.seq > offer.seq and m.text != help_text]


async def test_a_confidant_who_blocked_the_bot_gets_nothing_and_is_skipped(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    alex = emulator.user(user_id=16021, first_name="Alex")
    sam = emulator.user(user_id=16022, first_name="Sam")
    await onboard(alex)
    await opt_in_default(alex, "body_scan")
    token = await _invite(alex)
    await _accept_as_newcomer(sam, token)
    emulator.block(sam.user_id, notify=False)
    offer = await _first_milestone(bot, clock, alex)
    [data] = [d for d in button_data(offer) if d.startswith("shm:")]
    await alex.press(offer, callback_data=data)
    await alex.wait_for_message(lambda m: m.text == render("share_unreachable", "en", name="Sam"))
    delivered = [
        c
        for c in emulator.calls
        if c.method == "sendMessage" and c.ok and c.params.get("chat_id") == sam.user_id
        and "Alex shared" in str(c.params.get("text"))
    ]  # fmt: skip
    assert delivered == []
    blocked = select(func.count()).where(User.id.is_not(None), User.blocked_at.is_not(None))
    assert await _count(database_url, blocked) == 1


async def test_delete_by_the_inviter_ends_the_link_and_tells_the_confidant(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    alex = emulator.user(user_id=16031, first_name="Alex")
    sam = emulator.user(user_id=16032, first_name="Sam")
    await onboard(alex)
    token = await _invite(alex)
    waiting = await _invite(alex)  # an open invitation, revoked by /delete too
    await _accept_as_newcomer(sam, token)
    await erase_everything(alex)
    # Told that it ended, not why.
    await sam.wait_for_message(lambda m: m.text == render("share_told_stopped", "en", name="Alex"))
    assert await _count(database_url, select(func.count()).select_from(Link)) == 0
    assert await _count(database_url, select(func.count()).select_from(Invitation)) == 0
    kim = emulator.user(user_id=16033, first_name="Kim")
    await kim.send(f"/start {waiting}")
    await kim.wait_for_message(lambda m: m.text == render("invite_refused_unknown", "en"))


async def test_delete_by_the_confidant_ends_the_link_and_tells_the_inviter(
    bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    alex = emulator.user(user_id=16041, first_name="Alex")
    sam = emulator.user(user_id=16042, first_name="Sam")
    await onboard(alex)
    await opt_in_default(alex, "body_scan")
    await _accept_as_newcomer(sam, await _invite(alex))
    await alex.wait_for_message(
        lambda m: m.text == render("invite_told_accepted", "en", name="Sam")
    )
    await erase_everything(sam)
    await alex.wait_for_message(lambda m: m.text == render("share_told_ended", "en", name="Sam"))
    assert await _count(database_url, select(func.count()).select_from(Link)) == 0
    # Alex's next milestone has nobody to go to: no question about sharing it.
    prompt = await prompt_at(bot, clock, alex, TEN_PM_BERLIN)
    mark = alex.mark()
    await rate(alex, prompt, 4)
    await alex.wait_for_message(lambda m: m.text == milestone_message("first:body_scan", "en"))
    await settled(alex)
    assert render("share_offer", "en") not in [m.text for m in alex.messages if m.seq > mark]
