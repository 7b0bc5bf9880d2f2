"""The dispatch tick on a real database, with a Sender that records instead of Telegram."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from messages.consent import CONSENT_VERSION
from scheduler.dispatch import Dispatcher
from scheduler.planning import day_period
from scheduler.sender import OutgoingPrompt
from store.db import session_factory
from store.models import Prompt, PromptState, Subscription, User
from tests.scheduler.people import NOW, RecordingSender, add_people, states


async def test_every_due_prompt_is_sent_once_across_batches(engine: AsyncEngine) -> None:
    await add_people(engine, 450)
    sender = RecordingSender()
    dispatcher = Dispatcher(
        session_factory(engine), sender, grace=timedelta(hours=1), batch_size=200
    )
    report = await dispatcher.tick(NOW)
    again = await dispatcher.tick(NOW + timedelta(seconds=10))
    assert (report.sent, again.sent) == (450, 0)
    assert len({p.prompt_id for p in sender.sent}) == 450
    assert await states(engine) == {PromptState.SENT: 450}
    async with session_factory(engine)() as session:
        next_due = set(await session.scalars(select(Subscription.next_due_at)))
    assert next_due == {NOW + timedelta(days=1)}


async def test_rendered_prompt_has_text_and_five_labels(engine: AsyncEngine) -> None:
    await add_people(engine, 1)
    sender = RecordingSender()
    await Dispatcher(session_factory(engine), sender, grace=timedelta(hours=1)).tick(NOW)
    [prompt] = sender.sent
    assert prompt.chat_id == 10_000 and prompt.locale == "en"
    assert sorted(prompt.labels) == [1, 2, 3, 4, 5]
    assert 0 < len(prompt.text) <= 4096


async def test_unreachable_person_is_marked_blocked(engine: AsyncEngine) -> None:
    await add_people(engine, 2)
    sender = RecordingSender()
    sender.refuse.add(10_000)
    report = await Dispatcher(session_factory(engine), sender, grace=timedelta(hours=1)).tick(NOW)
    assert (report.sent, report.blocked) == (1, 1)
    async with session_factory(engine)() as session:
        blocked = await session.scalar(select(User).where(User.telegram_id == 10_000))
        assert blocked is not None and blocked.blocked_at == NOW
        sub = await session.scalar(select(Subscription).where(Subscription.user_id == blocked.id))
        assert sub is not None and sub.next_due_at is None


async def test_a_failed_send_is_recorded_and_not_retried_forever(engine: AsyncEngine) -> None:
    await add_people(engine, 1)
    sender = RecordingSender()
    sender.broken.add(10_000)
    report = await Dispatcher(session_factory(engine), sender, grace=timedelta(hours=1)).tick(NOW)
    assert (report.failed, report.errors) == (1, ["ConnectionError"])
    assert await states(engine) == {PromptState.FAILED: 1}


async def test_stale_prompts_expire_instead_of_flooding(engine: AsyncEngine) -> None:
    await add_people(engine, 3)
    sender = RecordingSender()
    dispatcher = Dispatcher(session_factory(engine), sender, grace=timedelta(hours=1))
    report = await dispatcher.tick(NOW + timedelta(hours=3))
    assert (report.sent, report.expired, sender.sent) == (0, 3, [])
    assert await states(engine) == {PromptState.EXPIRED: 3}


async def test_after_a_long_downtime_todays_prompt_still_comes(engine: AsyncEngine) -> None:
    # Down since before yesterday's prompt: that one is skipped, today's (due half an hour
    # ago, within the grace period) is sent, and the ritual moves on to tomorrow.
    await add_people(engine, 1, due=NOW - timedelta(days=1))
    sender = RecordingSender()
    dispatcher = Dispatcher(session_factory(engine), sender, grace=timedelta(hours=1))
    report = await dispatcher.tick(NOW + timedelta(minutes=30))
    assert (report.sent, report.expired) == (1, 1)
    async with session_factory(engine)() as session:
        [(due, state)] = (await session.execute(select(Prompt.due_at, Prompt.state))).tuples()
        next_due = await session.scalar(select(Subscription.next_due_at))
    assert (due, state, next_due) == (NOW, PromptState.SENT, NOW + timedelta(days=1))


async def test_each_day_brings_other_words(engine: AsyncEngine) -> None:
    await add_people(engine, 1)
    sender = RecordingSender()
    dispatcher = Dispatcher(session_factory(engine), sender, grace=timedelta(hours=1))
    for day in range(4):
        await dispatcher.tick(NOW + timedelta(days=day))
    assert len({p.text for p in sender.sent}) == 4


async def test_the_persons_discretion_travels_with_the_prompt(engine: AsyncEngine) -> None:
    await add_people(engine, 2)
    async with session_factory(engine)() as session, session.begin():
        await session.execute(
            update(User).where(User.chat_id == 10_001).values(discreet=False, quiet=True)
        )
    sender = RecordingSender()
    await Dispatcher(session_factory(engine), sender, grace=timedelta(hours=1)).tick(NOW)
    by_chat = {p.chat_id: p for p in sender.sent}
    assert (by_chat[10_000].discreet, by_chat[10_000].quiet) == (True, False)  # the default
    assert (by_chat[10_001].discreet, by_chat[10_001].quiet) == (False, True)
    # The neutral first line names the part of the person's day the prompt arrives in.
    assert {p.period for p in sender.sent} == {day_period(NOW, ZoneInfo("Europe/Berlin"))}


async def test_a_newer_consent_text_is_asked_about_once_instead_of_a_prompt(
    engine: AsyncEngine,
) -> None:
    await add_people(engine, 2, rituals_each=2)
    await add_people(engine, 1, first_id=10_010)
    async with session_factory(engine)() as session, session.begin():
        await session.execute(
            update(User).where(User.chat_id < 10_010).values(consent_version=CONSENT_VERSION - 1)
        )
        await session.execute(update(User).where(User.chat_id == 10_000).values(quiet=True))
    sender = RecordingSender()
    dispatcher = Dispatcher(session_factory(engine), sender, grace=timedelta(hours=1))
    report = await dispatcher.tick(NOW)
    # The one who agreed to the text in force gets the prompt; the others, a question each.
    assert [p.chat_id for p in sender.sent] == [10_010]
    assert sorted((a.chat_id, a.locale, a.quiet) for a in sender.asked) == [
        (10_000, "en", True),
        (10_001, "en", False),
    ]
    assert (report.sent, report.asked) == (1, 2)
    async with session_factory(engine)() as session:
        parked = await session.scalars(
            select(Subscription.next_due_at).join(User).where(User.chat_id < 10_010)
        )
        assert set(parked) == {None}  # every ritual of theirs, so the question comes once
    await dispatcher.tick(NOW + timedelta(days=1))
    assert len(sender.asked) == 2 and len(sender.sent) == 2


async def test_someone_unreachable_when_asked_about_consent_is_marked_blocked(
    engine: AsyncEngine,
) -> None:
    await add_people(engine, 1)
    async with session_factory(engine)() as session, session.begin():
        await session.execute(update(User).values(consent_version=CONSENT_VERSION - 1))
    sender = RecordingSender()
    sender.refuse.add(10_000)
    report = await Dispatcher(session_factory(engine), sender, grace=timedelta(hours=1)).tick(NOW)
    assert (report.asked, report.blocked) == (0, 1)
    async with session_factory(engine)() as session:
        user = await session.scalar(select(User))
        assert user is not None and user.blocked_at == NOW


async def test_a_claim_that_waited_out_most_of_its_lease_goes_out_once_after_it(
    engine: AsyncEngine,
) -> None:
    # The first send holds the only worker for a whole lease (a slow Telegram): the other
    # person's claim could be taken over meanwhile, so this dispatcher leaves it, and the
    # next tick after the lease sends it, once.
    await add_people(engine, 2)
    lease = timedelta(seconds=12)
    clock = [0.0]

    class SlowSender(RecordingSender):
        async def send_prompt(self, prompt: OutgoingPrompt) -> int:
            clock[0] += lease.total_seconds()
            return await super().send_prompt(prompt)

    sender = SlowSender()
    dispatcher = Dispatcher(
        session_factory(engine),
        sender,
        grace=timedelta(hours=1),
        lease=lease,
        concurrency=1,
        timer=lambda: clock[0],
    )
    first = await dispatcher.tick(NOW)
    assert (first.sent, first.lapsed) == (1, 1)
    assert await states(engine) == {PromptState.SENT: 1, PromptState.CLAIMED: 1}
    second = await dispatcher.tick(NOW + lease + timedelta(seconds=1))
    assert (second.sent, second.lapsed) == (1, 0)
    assert len({p.chat_id for p in sender.sent}) == len(sender.sent) == 2
    assert await states(engine) == {PromptState.SENT: 2}
