"""The shared weekly check-in between two partners, through the real dispatcher: nobody
goes first, a missed deadline shares nothing and nudges nobody, and unlinking, pausing or
/delete while a reveal waits cancels it; words are shown only if their writer chose to.

Alex is in Berlin, Sam in New York; both have the needs-and-boundaries check-in at its
default, Sunday 19:00 on their own clocks: 29 November 18:00 UTC for Alex, 30 November
00:00 UTC for Sam. With one day agreed, the deadline is 1 December 00:00 UTC.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from messages import render, ritual
from messages.consent import CONSENT_VERSION
from scheduler import changes
from scheduler.dispatch import Dispatcher
from scheduler.housekeeping import ROUNDS_KEPT_FOR
from scheduler.local_time import format_local_time
from scheduler.planning import weekdays_to_text
from scheduler.reveals import Reveals
from store.check_ins import rate_prompt
from store.db import session_factory
from store.invitations import create_invitation, end_link, redeem
from store.keyring import Keyring
from store.models import Link, PartnerRound, PartnerTurn, Prompt, Subscription, User
from store.notes import add_note
from store.partner_rounds import (
    SETTLE,
    SHARED_RITUAL,
    answered,
    choose_note,
    open_turns,
    purge_rounds,
)
from store.partner_sharing import agree, propose
from store.personal_data import erase
from store.prompts import get_prompt
from store.users import get_user
from tests.scheduler.people import RecordingSender

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ALEX_DUE = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
SAM_DUE = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
DEADLINE = SAM_DUE + timedelta(days=1)
ALEX, SAM = 501, 502


@dataclass
class Pair:
    sessions: async_sessionmaker[AsyncSession]
    sender: RecordingSender
    dispatcher: Dispatcher
    link_id: int

    async def tick(self, now: datetime) -> None:
        await self.dispatcher.tick(now)

    async def change(self, telegram_id: int, name: str, now: datetime, **kw: object) -> None:
        async with self.sessions() as session, session.begin():
            user = await get_user(session, telegram_id=telegram_id)
            assert user is not None
            await getattr(changes, name)(session, user=user, now=now, **kw)

    async def rate(self, telegram_id: int, rating: int, now: datetime, note: str = "") -> int:
        """Rate the person's latest prompt (and write words with it); the turn ids."""
        async with self.sessions() as session, session.begin():
            prompt_id = await session.scalar(
                select(Prompt.id)
                .join(Subscription)
                .join(User)
                .where(User.telegram_id == telegram_id)
                .order_by(Prompt.due_at.desc())
                .limit(1)
            )
            assert prompt_id is not None
            prompt = await get_prompt(session, prompt_id=prompt_id)
            assert prompt is not None
            user_id = prompt.subscription.user_id
            check_in, _ = await rate_prompt(
                session, prompt=prompt, user_id=user_id, rating=rating, now=now
            )
            await answered(session, prompt_id=prompt_id, now=now)
            if note:
                await add_note(
                    session, user_id=user_id, text=note, now=now, check_in_id=check_in.id
                )
            return prompt_id

    async def share_words(self, telegram_id: int, prompt_id: int) -> None:
        async with self.sessions() as session, session.begin():
            user = await get_user(session, telegram_id=telegram_id)
            assert user is not None
            [turn] = await open_turns(session, prompt_id=prompt_id)
            assert await choose_note(session, turn_id=turn.id, user_id=user.id, share=True)

    def told(self) -> dict[int, str]:
        return {news.chat_id: news.text for news in self.sender.news}


async def _pair(engine: AsyncEngine, keyring: Keyring, *, days: int = 1) -> Pair:
    sessions = session_factory(engine, keyring)
    default = ritual(SHARED_RITUAL)
    async with sessions() as session, session.begin():
        ids = {}
        for telegram_id, zone in ((ALEX, "Europe/Berlin"), (SAM, "America/New_York")):
            user = User(
                telegram_id=telegram_id, chat_id=telegram_id, timezone=zone, discreet=False,
                adult_confirmed_at=NOW, created_at=NOW,
            )  # fmt: skip
            user.subscriptions = []
            session.add(user)
            await changes.consent_given(session, user=user, now=NOW)
            assert user.consent_version == CONSENT_VERSION
            await changes.turn_on(
                session, user=user, ritual_key=SHARED_RITUAL, now=NOW,
                default_time=format_local_time(default.default_time),
                default_weekdays=weekdays_to_text(default.weekdays),
            )  # fmt: skip
            await session.flush()
            ids[telegram_id] = user.id
        token = await create_invitation(
            session, inviter=ids[ALEX], kind="partner", shown_name="Alex", now=NOW
        )
        link = await redeem(session, token=token, redeemer_id=ids[SAM], now=NOW, member_name="Sam")
        assert isinstance(link, Link)
        assert await propose(session, link=link, user_id=ids[ALEX], days=days, now=NOW)
        assert await agree(session, link=link, user_id=ids[SAM], days=days, now=NOW)
    sender = RecordingSender()
    reveals = Reveals(sessions, sender)
    dispatcher = Dispatcher(sessions, sender, grace=timedelta(hours=1), reveals=reveals)
    return Pair(sessions, sender, dispatcher, link.id)


async def _both_prompted(pair: Pair) -> None:
    await pair.tick(ALEX_DUE)
    await pair.tick(SAM_DUE)
    assert [p.chat_id for p in pair.sender.sent] == [ALEX, SAM]


async def _count(pair: Pair, table: type) -> int:
    async with pair.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


def _revealed(name: str, mine: int, theirs: int) -> str:
    labels = {n: label for n, label in enumerate(("", "Far away", "Hard to reach",
              "Somewhat there", "Fairly close", "Close and clear"))}  # fmt: skip
    return render(
        "partner_reveal", "en", name=name, mine=mine, mine_label=labels[mine], theirs=theirs,
        theirs_label=labels[theirs],
    )  # fmt: skip


async def test_both_answered_reveals_once_to_both_with_only_the_words_chosen(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    pair = await _pair(engine, keyring)
    await _both_prompted(pair)
    # Alex answers first, with words kept private; nothing is told to anyone yet.
    await pair.rate(ALEX, 4, ALEX_DUE + timedelta(hours=1), note="private words")
    await pair.tick(ALEX_DUE + timedelta(hours=2))
    assert pair.sender.news == []
    # Sam answers later, and chooses to show their words.
    answered_at = SAM_DUE + timedelta(hours=5)
    sam_prompt = await pair.rate(SAM, 2, answered_at, note="I'd like more slowness")
    await pair.share_words(SAM, sam_prompt)
    await pair.tick(answered_at + SETTLE - timedelta(minutes=1))
    assert pair.sender.news == []  # the few minutes for words are not over
    await pair.tick(answered_at + SETTLE)
    told = pair.told()
    sam_words = render("partner_reveal_words", "en", name="Sam")
    assert told == {
        ALEX: _revealed("Sam", 4, 2) + f"\n\n{sam_words}\nI'd like more slowness",
        SAM: _revealed("Alex", 2, 4),
    }
    assert "private words" not in "".join(told.values())
    # Once: later ticks (and the deadline) tell nobody again.
    await pair.tick(DEADLINE + timedelta(days=1))
    assert len(pair.sender.news) == 2


async def test_one_answer_by_the_deadline_reveals_nothing_and_nudges_nobody(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    pair = await _pair(engine, keyring)
    await _both_prompted(pair)
    await pair.rate(ALEX, 5, ALEX_DUE + timedelta(minutes=10), note="words")
    # Nobody hears anything while the round waits: no reminder, no word about the other.
    for hours in (1, 6, 12, 23):
        await pair.tick(SAM_DUE + timedelta(hours=hours))
    assert pair.sender.news == []
    await pair.tick(DEADLINE)
    quiet = {ALEX: render("partner_quiet", "en", name="Sam"),
             SAM: render("partner_quiet", "en", name="Alex")}  # fmt: skip
    assert pair.told() == quiet  # the same words for both: never who answered
    # An answer after the deadline changes nothing.
    await pair.rate(SAM, 3, DEADLINE + timedelta(minutes=1))
    await pair.tick(DEADLINE + timedelta(hours=1))
    assert len(pair.sender.news) == 2


async def test_unlinking_while_a_reveal_waits_cancels_it(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    pair = await _pair(engine, keyring)
    await _both_prompted(pair)
    await pair.rate(ALEX, 4, SAM_DUE)
    await pair.rate(SAM, 3, SAM_DUE + timedelta(minutes=1))
    async with pair.sessions() as session, session.begin():
        sam = await get_user(session, telegram_id=SAM)
        assert sam is not None
        assert await end_link(session, link_id=pair.link_id, user_id=sam.id) is not None
    await pair.tick(DEADLINE + timedelta(days=2))
    assert pair.sender.news == []
    assert await _count(pair, PartnerRound) == await _count(pair, PartnerTurn) == 0


async def test_pausing_while_a_reveal_waits_cancels_it(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    pair = await _pair(engine, keyring)
    await _both_prompted(pair)
    await pair.rate(ALEX, 4, SAM_DUE)
    await pair.rate(SAM, 3, SAM_DUE + timedelta(minutes=1))
    await pair.change(
        ALEX, "pause", SAM_DUE + timedelta(minutes=2), until=DEADLINE + timedelta(days=3)
    )
    await pair.tick(SAM_DUE + timedelta(hours=1))
    assert pair.sender.news == []  # no reveal
    # At the deadline Sam hears that nothing was shared; Alex, paused, hears nothing.
    await pair.tick(DEADLINE)
    assert pair.told() == {SAM: render("partner_quiet", "en", name="Alex")}


async def test_turning_the_ritual_off_while_a_reveal_waits_cancels_it(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    pair = await _pair(engine, keyring)
    await _both_prompted(pair)
    await pair.rate(ALEX, 4, SAM_DUE)
    await pair.rate(SAM, 3, SAM_DUE + timedelta(minutes=1))
    await pair.change(SAM, "turn_off", SAM_DUE + timedelta(minutes=2), ritual_key=SHARED_RITUAL)
    await pair.tick(DEADLINE)
    assert pair.told() == {ALEX: render("partner_quiet", "en", name="Sam")}


async def test_delete_while_a_reveal_waits_cancels_it_and_removes_the_pair_state(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    pair = await _pair(engine, keyring)
    await _both_prompted(pair)
    await pair.rate(ALEX, 4, SAM_DUE, note="mine")
    await pair.rate(SAM, 3, SAM_DUE + timedelta(minutes=1))
    async with pair.sessions() as session, session.begin():
        sam = await get_user(session, telegram_id=SAM)
        assert sam is not None
        await erase(session, user_id=sam.id)
    await pair.tick(DEADLINE + timedelta(days=2))
    assert pair.sender.news == []
    assert await _count(pair, PartnerRound) == await _count(pair, PartnerTurn) == 0


async def test_a_claimed_message_is_sent_once_across_replicas_and_a_crash(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    pair = await _pair(engine, keyring)
    await _both_prompted(pair)
    await pair.rate(ALEX, 4, SAM_DUE)
    await pair.rate(SAM, 3, SAM_DUE)
    due = SAM_DUE + SETTLE

    class DiesBeforeSending(RecordingSender):
        async def send_news(self, news: object) -> int:
            raise SystemExit  # the process dies with the claim committed

    dying = Reveals(pair.sessions, DiesBeforeSending(), lease=timedelta(minutes=2))
    with suppress(SystemExit):
        await dying.tick(due)
    # Another replica within the lease leaves the claims alone; after it, sends each once.
    other = RecordingSender()
    replica = Reveals(pair.sessions, other, lease=timedelta(minutes=2))
    assert await replica.tick(due + timedelta(minutes=1)) == 0
    assert (
        await replica.tick(due + timedelta(minutes=3))
        + await replica.tick(due + timedelta(minutes=4))
        == 2
    )
    assert sorted(n.chat_id for n in other.news) == [ALEX, SAM]
    assert await replica.tick(due + timedelta(hours=1)) == 0


async def test_rounds_are_purged_a_month_after_they_closed_and_everyone_was_told(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    pair = await _pair(engine, keyring)
    await _both_prompted(pair)
    await pair.rate(ALEX, 4, ALEX_DUE + timedelta(hours=1))

    async def purge(now: datetime) -> int:
        async with pair.sessions() as session, session.begin():
            return await purge_rounds(session, before=now - ROUNDS_KEPT_FOR)

    # Open, and then closed but with nobody told yet: kept whatever the date.
    assert await purge(DEADLINE + timedelta(days=90)) == 0
    await pair.tick(DEADLINE)
    assert len(pair.sender.news) == 2
    assert await purge(DEADLINE + ROUNDS_KEPT_FOR - timedelta(hours=1)) == 0
    assert await _count(pair, PartnerRound) == 1
    assert await purge(DEADLINE + ROUNDS_KEPT_FOR + timedelta(hours=1)) == 1
    assert (await _count(pair, PartnerRound), await _count(pair, PartnerTurn)) == (0, 0)
