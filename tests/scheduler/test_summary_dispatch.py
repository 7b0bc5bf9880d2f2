"""The weekly summary goes through the dispatch path: claimed once, sent as plain text,
discreet like any prompt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from messages.consent import CONSENT_VERSION
from progress.history import Entry
from progress.summary import weekly_summary
from scheduler.dispatch import Dispatcher
from scheduler.sender import OutgoingPrompt
from scheduler.summary import WEEKLY_SUMMARY
from store.check_ins import add_check_in
from store.db import session_factory
from store.keyring import Keyring
from store.models import Prompt, PromptState, Subscription, User
from store.progress import add_milestones

BERLIN = ZoneInfo("Europe/Berlin")
SUNDAY_SIX_PM = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)  # 18:00 in Berlin


class RecordingSender:
    """Delivers into a list."""

    def __init__(self) -> None:
        self.sent: list[OutgoingPrompt] = []

    async def send_prompt(self, prompt: OutgoingPrompt) -> int:
        self.sent.append(prompt)
        return len(self.sent)


async def _person_with_a_week(engine: AsyncEngine, keyring: Keyring) -> list[Entry]:
    """A person whose summary is due now, with check-ins this week, last week and after."""
    days = [
        ("breath", 3, datetime(2026, 11, 26, 7, 0, tzinfo=UTC)),  # the week before
        ("breath", 4, datetime(2026, 11, 30, 7, 0, tzinfo=UTC)),  # Monday: this week
        ("breath", 5, datetime(2026, 12, 3, 7, 0, tzinfo=UTC)),
        ("body_scan", 2, datetime(2026, 12, 5, 21, 0, tzinfo=UTC)),
    ]
    async with session_factory(engine, keyring)() as session, session.begin():
        user = User(
            telegram_id=42,
            chat_id=42,
            timezone="Europe/Berlin",
            consented_at=SUNDAY_SIX_PM,
            consent_version=CONSENT_VERSION,
            created_at=SUNDAY_SIX_PM,
        )
        user.subscriptions = [
            Subscription(
                ritual_key=WEEKLY_SUMMARY,
                local_time="18:00",
                weekdays="6",
                next_due_at=SUNDAY_SIX_PM,
                created_at=SUNDAY_SIX_PM,
            )
        ]
        session.add(user)
        await session.flush()
        for key, rating, at in days:
            await add_check_in(
                session, user_id=user.id, ritual_key=key, rating=rating, practiced_at=at, now=at
            )
        # Reached this week, and the week before (which this summary leaves out).
        await add_milestones(session, user_id=user.id, keys=["win:tender"], now=days[2][2])
        await add_milestones(session, user_id=user.id, keys=["first:breath"], now=days[0][2])
    return [Entry(key, rating, at) for key, rating, at in days]


async def test_a_due_summary_is_sent_once_as_plain_text(
    engine: AsyncEngine, keyring: Keyring
) -> None:
    history = await _person_with_a_week(engine, keyring)
    sender = RecordingSender()
    dispatcher = Dispatcher(session_factory(engine, keyring), sender, grace=timedelta(hours=1))
    report = await dispatcher.tick(SUNDAY_SIX_PM + timedelta(seconds=5))
    again = await dispatcher.tick(SUNDAY_SIX_PM + timedelta(seconds=15))
    assert (report.sent, again.sent) == (1, 0)

    [summary] = sender.sent
    assert summary.labels == {} and not summary.can_snooze  # nothing to rate
    week_start = datetime(2026, 11, 30).date()
    assert summary.text == weekly_summary(history, BERLIN, week_start, ["win:tender"], "en")
    assert "Breath and grounding: it felt “Fairly grounded” at times and “Calm and" in summary.text
    # Discreet by default, like any prompt: a neutral line for the evening until Open.
    assert (summary.discreet, summary.period) == (True, "evening")

    async with session_factory(engine, keyring)() as session:
        [prompt] = await session.scalars(select(Prompt))
        assert (prompt.state, prompt.due_at) == (PromptState.SENT, SUNDAY_SIX_PM)
        sub = await session.scalar(select(Subscription))
        assert sub is not None and sub.next_due_at == SUNDAY_SIX_PM + timedelta(days=7)


async def test_a_summary_found_too_late_is_not_sent(engine: AsyncEngine, keyring: Keyring) -> None:
    await _person_with_a_week(engine, keyring)
    sender = RecordingSender()
    dispatcher = Dispatcher(session_factory(engine, keyring), sender, grace=timedelta(hours=1))
    report = await dispatcher.tick(SUNDAY_SIX_PM + timedelta(hours=3))
    assert (report.sent, report.expired, sender.sent) == (0, 1, [])
