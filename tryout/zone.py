"""Whose wall clock `attune try` shows: the person's zone once the bot knows it, until then
this machine's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduler.zones import resolve_zone
from store.users import get_user


class PersonZone:
    """The zone times are shown and `/wait until` is read in; `refresh` asks the database."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], telegram_id: int) -> None:
        self._sessions = sessions
        self._telegram_id = telegram_id
        here = datetime.now().astimezone().tzinfo
        assert here is not None  # astimezone() always gives one
        self.name, self.info = "(this machine's time)", here

    async def refresh(self) -> None:
        """Take the zone the person gave the bot, if they have."""
        async with self._sessions() as session:
            user = await get_user(session, telegram_id=self._telegram_id)
        if user is not None and user.timezone is not None:
            self.name, self.info = user.timezone, resolve_zone(user.timezone)
