"""Gentle pacing through the dispatcher: what counts as untouched, what starts the count
again, when the question comes instead of a prompt, and the month of quiet after it.

Sam has the bedtime body scan every day at 22:00 in Berlin (21:00 UTC); the dispatcher
ticks at each due time, and Sam's taps go through the same store functions as the bot's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from scheduler import changes
from scheduler.dispatch import Dispatcher
from scheduler.pacing import PacingOffer, offer_text
from scheduler.sender import OutgoingPrompt
from scheduler.summary import WEEKLY_SUMMARY
from store import prompts as prompt_rows
from store.check_ins import rate_prompt
from store.db import session_factory
from store.keyring import Keyring
from store.models import Prompt, PromptState, Subscription
from store.users import get_user
from tests.scheduler.people import FIRST_CHAT, NOW, RecordingSender, add_people

DAY = timedelta(days=1)
Tap = Callable[[AsyncSession, Prompt], Awaitable[None]]


class Sam:
    """One person, their dispatcher, and what reached them, day by day."""

    def __init__(self, engine: AsyncEngine, keyring: Keyring | None = None) -> None:
        self.sessions = session_factory(engine, keyring)
        self.sender = RecordingSender()
        self.dispatcher = Dispatcher(self.sessions, self.sender, grace=timedelta(hours=1))
        self.day = 0

    async def nights(self, count: int) -> list[OutgoingPrompt]:
        """Tick at the next `count` due times (leaving each untouched); what they sent."""
        before = len(self.sender.sent)
        for _ in range(count):
            await self.dispatcher.tick(NOW + self.day * DAY + timedelta(seconds=5))
            self.day += 1
        return self.sender.sent[before:]

    async def tap_last(self, tap: Tap) -> None:
        """Do something with the latest prompt, as a tap on it would."""
        async with self.sessions() as session, session.begin():
            prompt = await prompt_rows.get_prompt(
                session, prompt_id=self.sender.sent[-1].prompt_id
            )
            assert prompt is not None
            await tap(session, prompt)

    async def unanswered(self) -> int:
        async with self.sessions() as session:
            count = await session.scalar(
                select(Subscription.unanswered).where(Subscription.ritual_key == "body_scan")
            )
            return int(count or 0)


async def _rate(session: AsyncSession, prompt: Prompt) -> None:
    await rate_prompt(
        session, prompt=prompt, user_id=prompt.subscription.user_id, rating=3, now=prompt.due_at
    )


async def _skip(session: AsyncSession, prompt: Prompt) -> None:
    prompt_rows.skip(prompt)


async def _snooze(session: AsyncSession, prompt: Prompt) -> None:
    prompt_rows.snooze(prompt, until=prompt.due_at + timedelta(minutes=20))


def asked(sent: list[OutgoingPrompt]) -> list[bool]:
    return [prompt.pacing is not None for prompt in sent]


async def test_four_untouched_prompts_bring_the_question_once_a_month(
    engine: AsyncEngine,
) -> None:
    await add_people(engine, 1)
    sam = Sam(engine)
    sent = await sam.nights(5)
    assert asked(sent) == [False, False, False, False, True]
    question = sent[-1]
    assert question.pacing == PacingOffer("body_scan", several_days=True)
    assert question.text == offer_text("body_scan", "en")
    assert question.labels == {} and not question.can_snooze
    assert (question.discreet, question.period) == (True, "evening")  # like any prompt
    async with sam.sessions() as session:
        sub = await session.scalar(select(Subscription))
        assert sub is not None and sub.pacing_asked_at == NOW + 4 * DAY

    # However long the silence goes on, nothing is asked for 30 days; then once more.
    sent = await sam.nights(30)
    assert asked(sent) == [False] * 29 + [True]
    assert sent[-1].prompt_id != question.prompt_id


async def test_nothing_piles_up_an_untouched_prompt_is_retired_never_sent_again(
    engine: AsyncEngine,
) -> None:
    await add_people(engine, 1)
    sam = Sam(engine)
    sent = await sam.nights(6)
    assert len(sent) == len({prompt.prompt_id for prompt in sent}) == 6  # one per night
    async with sam.sessions() as session:
        rows = list(await session.scalars(select(Prompt).order_by(Prompt.due_at)))
    assert [row.due_at for row in rows] == [NOW + n * DAY for n in range(6)]
    assert [row.state for row in rows] == [PromptState.EXPIRED] * 5 + [PromptState.SENT]
    # A tick between due times sends nothing at all.
    assert await sam.dispatcher.tick(NOW + 5 * DAY + timedelta(hours=3)) is not None
    assert len(sam.sender.sent) == 6


async def test_an_answer_resets_the_count_even_a_late_one(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    await add_people(engine, 1)
    sam = Sam(engine, keyring)
    await sam.nights(3)
    await sam.tap_last(_rate)
    assert asked(await sam.nights(4)) == [False] * 4  # three untouched since the answer
    assert await sam.unanswered() == 3
    # A tap on a prompt from two nights ago (expired by now) is an answer too.
    async with sam.sessions() as session, session.begin():
        old = await prompt_rows.get_prompt(session, prompt_id=sam.sender.sent[-3].prompt_id)
        assert old is not None and old.state == PromptState.EXPIRED
        await _rate(session, old)
    assert await sam.unanswered() == 0
    # The night still open then is left too, and three more: that makes four again.
    assert asked(await sam.nights(4)) == [False, False, False, True]


async def test_skip_and_later_are_answers_not_silence(engine: AsyncEngine) -> None:
    await add_people(engine, 1)
    sam = Sam(engine)
    await sam.nights(3)
    await sam.tap_last(_skip)
    await sam.nights(3)
    # Put off with Later: it comes back 20 minutes on, and is left untouched then.
    await sam.tap_last(_snooze)
    assert await sam.unanswered() == 0
    resent = await sam.dispatcher.tick(NOW + (sam.day - 1) * DAY + timedelta(minutes=21))
    assert resent.sent == 1
    assert asked(await sam.nights(4)) == [False] * 4  # the snoozed one did not count
    assert await sam.unanswered() == 3
    assert asked(await sam.nights(1)) == [True]


async def test_a_pause_neither_counts_nor_lets_the_count_carry_over(
    engine: AsyncEngine,
) -> None:
    await add_people(engine, 1)
    sam = Sam(engine)
    await sam.nights(4)  # three retired untouched, the fourth still open
    assert await sam.unanswered() == 3
    # Sam pauses the ritual for three days while the fourth is open: it closes uncounted.
    async with sam.sessions() as session, session.begin():
        user = await get_user(session, telegram_id=FIRST_CHAT)
        assert user is not None
        now = NOW + 3 * DAY + timedelta(hours=1)
        until = now + 3 * DAY
        await changes.pause_ritual(
            session, user=user, ritual_key="body_scan", until=until, now=now
        )
    assert await sam.unanswered() == 0
    sam.day += 3
    # After the pause, four more untouched before the question: the count began anew.
    assert asked(await sam.nights(5)) == [False] * 4 + [True]


async def test_a_weekly_ritual_asks_after_three(engine: AsyncEngine) -> None:
    await add_people(engine, 1)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await session.execute(update(Subscription).values(weekdays="4"))  # Fridays only
    sam = Sam(engine)
    for week in range(4):
        await sam.dispatcher.tick(NOW + 7 * week * DAY + timedelta(seconds=5))
    assert asked(sam.sender.sent) == [False, False, False, True]
    assert sam.sender.sent[-1].pacing == PacingOffer("body_scan", several_days=False)


async def test_the_weekly_summary_is_never_asked_about(engine: AsyncEngine) -> None:
    await add_people(engine, 1)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await session.execute(update(Subscription).values(ritual_key=WEEKLY_SUMMARY, weekdays="4"))
    sam = Sam(engine)
    for week in range(6):
        await sam.dispatcher.tick(NOW + 7 * week * DAY + timedelta(seconds=5))
    assert len(sam.sender.sent) == 6 and not any(asked(sam.sender.sent))


async def test_prompts_found_too_late_after_downtime_are_not_silence(
    engine: AsyncEngine,
) -> None:
    await add_people(engine, 1)
    sam = Sam(engine)
    await sam.nights(2)
    # Down for six nights: they are skipped quietly, never sent, never counted.
    sam.day += 6
    assert asked(await sam.nights(2)) == [False, False]
    assert await sam.unanswered() == 3  # the two nights before, and the first after
    assert asked(await sam.nights(1)) == [True]
