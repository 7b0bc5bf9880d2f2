"""Checking in together, end to end with two people in different timezones: an invitation
from /partner by the same one-time link as /share's, the deadline proposed and agreed,
each prompt at its own local time, answers kept until both are in (words only if their
writer chose), the bot restarted while the reveal waits, then both told at once, once.

Alex is in Berlin, Sam in New York; the needs-and-boundaries check-in comes on Sunday at
19:00 on each one's clock: 29 November 18:00 UTC for Alex, 30 November 00:00 UTC for Sam.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from emulator import BotApiEmulator
from messages import render
from store.models import Link, PartnerRound
from store.partner_rounds import SETTLE
from tests.e2e.db import count
from tests.e2e.flows import button_data, onboard, press_for_edit, settled, tick_at
from tests.e2e.harness import FakeClock, make_settings, running_bot
from tests.e2e.practice import prompt_at, rate

ALEX_DUE = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
SAM_DUE = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
_LINK = re.compile(r"https://t\.me/[A-Za-z0-9_]+\?start=([A-Za-z0-9_-]+)")
LABELS = {2: "Hard to reach", 4: "Fairly close"}


def _revealed(name: str, mine: int, theirs: int) -> str:
    return render(
        "partner_reveal", "en", name=name, mine=mine, mine_label=LABELS[mine], theirs=theirs,
        theirs_label=LABELS[theirs],
    )  # fmt: skip


def _partnerly(message: Any) -> bool:
    """A message about the shared check-in (revealed, or nothing shared)."""
    text = str(message.text or "")
    return text.startswith(("Your check-in with", "Nothing was shared"))


async def _link_as_partners(alex: Any, sam: Any) -> None:
    """Alex invites from /partner; Sam, already practising, accepts."""
    await alex.send("/partner")
    page = await alex.wait_for_message(lambda m: "pinv" in button_data(m))
    assert page.text == render("partner_none", "en")
    await alex.press(page, callback_data="pinv")
    await alex.wait_for_message(lambda m: m.text == render("share_name_ask", "en"))
    await alex.send("Alex")
    sent = await alex.wait_for_message(lambda m: _LINK.search(m.text or "") is not None)
    found = _LINK.search(sent.text)
    assert found is not None
    await sam.send(f"/start {found[1]}")
    offer = await sam.wait_for_message(lambda m: "invite:yes" in button_data(m))
    assert offer.text == render("invite_offer_partner", "en", name="Alex")
    accepted = await press_for_edit(sam, offer, "invite:yes")
    assert accepted.text == render("invite_accepted_partner", "en", name="Alex")
    await alex.wait_for_message(
        lambda m: m.text == render("invite_told_accepted_partner", "en", name="Sam")
    )


async def _agree_on_one_day(alex: Any, sam: Any) -> None:
    """Alex proposes one day to answer; Sam is asked and agrees; both are told."""
    await alex.send("/partner")
    page = await alex.wait_for_message(lambda m: any(d.startswith("psh:") for d in button_data(m)))
    [one_day] = [d for d in button_data(page) if d.startswith("psh:") and d.endswith(":1")]
    proposed = await press_for_edit(alex, page, one_day)
    days = render("partner_days", "en", count=1)
    assert proposed.text == render("partner_proposed", "en", name="Sam", days=days)
    asked = await sam.wait_for_message(lambda m: any(d.startswith("pok:") for d in button_data(m)))
    assert asked.text == render("partner_asked", "en", name="Alex", days=days)
    [agree] = [d for d in button_data(asked) if d.startswith("pok:")]
    agreed = await press_for_edit(sam, asked, agree)
    assert agreed.text == render("partner_agreed", "en", name="Alex", days=days)
    await alex.wait_for_message(
        lambda m: m.text == render("partner_agreed", "en", name="Sam", days=days)
    )


async def test_two_partners_in_two_timezones_see_both_answers_once_after_a_restart(
    emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    alex = emulator.user(user_id=17001, first_name="Alexandra")
    sam = emulator.user(user_id=17002, first_name="Sam")
    settings = make_settings(emulator.root_url, database_url)
    async with running_bot(settings, clock) as bot:
        await onboard(alex, "Europe/Berlin")
        await onboard(sam, "America/New_York")
        await _link_as_partners(alex, sam)
        await _agree_on_one_day(alex, sam)
        # Sharing turned the check-in on for both, each at their own Sunday 19:00.
        alex_prompt = await prompt_at(bot, clock, alex, ALEX_DUE)
        await rate(alex, alex_prompt, 4)
        await alex.wait_for_message(
            lambda m: m.text == render("partner_answer_kept", "en", name="Sam")
        )
        # Words written with it, not chosen for sharing: they stay Alex's.
        await alex.send("only for me")
        await alex.wait_for_message(lambda m: m.text == render("partner_note_ask", "en"))
        # Sam's prompt comes at Sam's time; nobody has been told anything meanwhile.
        sam_prompt = await prompt_at(bot, clock, sam, SAM_DUE)
        assert not any(_partnerly(m) for m in [*alex.messages, *sam.messages])
        clock.now = SAM_DUE + timedelta(hours=2)
        await rate(sam, sam_prompt, 2)
        await sam.send("more slowness, please")
        ask = await sam.wait_for_message(lambda m: m.text == render("partner_note_ask", "en"))
        [show] = [d for d in button_data(ask) if d.endswith(":yes")]
        shown = await press_for_edit(sam, ask, show)
        assert shown.text == render("partner_note_shared", "en", name="Alex")
        answered_at = clock.now
        # Not yet: the few minutes for words are not over.
        await tick_at(bot, clock, answered_at + SETTLE - timedelta(minutes=1))
        await settled(alex)
        await settled(sam)
        assert not any(_partnerly(m) for m in [*alex.messages, *sam.messages])
    assert await count(database_url, PartnerRound) == 1

    # A restart while the reveal waits loses nothing and sends nothing twice.
    async with running_bot(settings, clock) as bot:
        alex_mark, sam_mark = alex.mark(), sam.mark()
        await tick_at(bot, clock, answered_at + SETTLE)
        words = render("partner_reveal_words", "en", name="Sam")
        to_alex = _revealed("Sam", 4, 2) + f"\n\n{words}\nmore slowness, please"
        await alex.wait_for_message(lambda m: m.text == to_alex, after=alex_mark)
        await sam.wait_for_message(lambda m: m.text == _revealed("Alex", 2, 4), after=sam_mark)
        await tick_at(bot, clock, answered_at + timedelta(days=3))
        await settled(alex)
        await settled(sam)
        for person, mark in ((alex, alex_mark), (sam, sam_mark)):
            told = [m.text for m in person.messages if m.seq > mark and _partnerly(m)]
            assert len(told) == 1, told
            assert "only for me" not in told[0]


async def test_unlinking_while_the_reveal_waits_sends_nothing(
    emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    alex = emulator.user(user_id=17011, first_name="Alex")
    sam = emulator.user(user_id=17012, first_name="Sam")
    async with running_bot(make_settings(emulator.root_url, database_url), clock) as bot:
        await onboard(alex, "Europe/Berlin")
        await onboard(sam, "America/New_York")
        await _link_as_partners(alex, sam)
        await _agree_on_one_day(alex, sam)
        await rate(alex, await prompt_at(bot, clock, alex, ALEX_DUE), 4)
        sam_prompt = await prompt_at(bot, clock, sam, SAM_DUE)
        await rate(sam, sam_prompt, 2)
        # Sam unlinks from /partner before the reveal goes out; Alex is told kindly.
        await sam.send("/partner")
        page = await sam.wait_for_message(
            lambda m: any(d.startswith("shend:") for d in button_data(m))
        )
        [unlink] = [d for d in button_data(page) if d.startswith("shend:")]
        done = await press_for_edit(sam, page, unlink)
        assert done.text == render("partner_unlinked", "en", name="Alex")
        await alex.wait_for_message(
            lambda m: m.text == render("partner_unlinked_told", "en", name="Sam")
        )
        await tick_at(bot, clock, SAM_DUE + timedelta(days=3))
        await settled(alex)
        await settled(sam)
        assert not any(_partnerly(m) for m in [*alex.messages, *sam.messages])
    assert await count(database_url, Link) == 0
    assert await count(database_url, PartnerRound) == 0
