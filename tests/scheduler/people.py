"""What the dispatch tests share: people with rituals due, a recording Sender, counts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from messages import rituals
from messages.consent import CONSENT_VERSION
from scheduler.reveals import SharedNews
from scheduler.sender import ConsentAsk, OutgoingPrompt, Undeliverable
from store.db import session_factory
from store.models import Prompt, Subscription, User

NOW = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)  # 22:00 in Berlin
FIRST_CHAT = 10_000


class RecordingSender:
    """Delivers into lists; chats in `refuse` are unreachable, in `broken` fail oddly."""

    def __init__(self) -> None:
        self.sent: list[OutgoingPrompt] = []
        self.asked: list[ConsentAsk] = []
        self.news: list[SharedNews] = []  # what partners were told of a shared check-in
        self.refuse: set[int] = set()
        self.broken: set[int] = set()

    async def send_prompt(self, prompt: OutgoingPrompt) -> int:
        self._deliverable(prompt.chat_id)
        self.sent.append(prompt)
        return len(self.sent)

    async def ask_consent(self, ask: ConsentAsk) -> int:
        self._deliverable(ask.chat_id)
        self.asked.append(ask)
        return len(self.asked)

    async def send_news(self, news: SharedNews) -> int:
        self._deliverable(news.chat_id)
        self.news.append(news)
        return len(self.news)

    def _deliverable(self, chat_id: int) -> None:
        if chat_id in self.refuse:
            raise Undeliverable
        if chat_id in self.broken:
            raise ConnectionError("network went away")


async def add_people(
    engine: AsyncEngine,
    count: int,
    due: datetime = NOW,
    *,
    rituals_each: int = 1,
    first_id: int = FIRST_CHAT,
) -> None:
    """`count` onboarded people in Berlin (ids from `first_id`), with rituals due at `due`."""
    keys = [ritual.key for ritual in rituals()][:rituals_each]
    async with session_factory(engine)() as session, session.begin():
        for n in range(count):
            user = User(
                telegram_id=first_id + n,
                chat_id=first_id + n,
                timezone="Europe/Berlin",
                adult_confirmed_at=due,
                consented_at=due,
                consent_version=CONSENT_VERSION,
                created_at=due,
            )
            user.subscriptions = [
                Subscription(
                    ritual_key=key,
                    local_time="22:00",
                    weekdays="0123456",
                    next_due_at=due,
                    created_at=due,
                )
                for key in keys
            ]
            session.add(user)


async def states(engine: AsyncEngine) -> dict[str, int]:
    """How many prompts are in each state."""
    async with session_factory(engine)() as session:
        rows = await session.execute(select(Prompt.state, func.count()).group_by(Prompt.state))
        return {state: n for state, n in rows.tuples()}
