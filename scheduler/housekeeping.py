"""Periodic upkeep that is not sending: erasing notes past the retention people chose,
invitations a month after they expired, partners' rounds a month after they closed, the
rows of people who began /start but never agreed to anything being kept, and the rows of
people whose key was destroyed (a /delete cut short by a crash, or an older data backup
restored: nothing of theirs can be opened, and they count as erased)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.invitations import purge_invitations
from store.notes import expire_notes
from store.partner_rounds import purge_rounds
from store.person_keys import scrub_keyring
from store.users import forget_keyless, forget_unconsented

log = logging.getLogger(__name__)

# How long a /start that never reached consent is kept: long enough to come back to the
# question later that day, short enough that a stranger's id is not kept for nothing.
UNCONSENTED_FOR = timedelta(days=1)
# How long after a key is destroyed the keyring is scrubbed again, hourly: on PostgreSQL a
# deleted row's bytes go only once no older transaction runs anywhere on the server.
SCRUB_AFTER_DESTROY_FOR = timedelta(days=1)
# How long an invitation is kept after it expired (taken or not): a late tap on its link
# still gets its own kind answer ("used", "expired") rather than "doesn't open anything".
INVITATIONS_KEPT_FOR = timedelta(days=30)
# How long a partners' round is kept after it closed and both were told: long enough for a
# late tap on a discreet reveal's Open, short enough that rounds do not pile up weekly.
ROUNDS_KEPT_FOR = timedelta(days=30)


class Housekeeping:
    """One housekeeping run at the injected clock's now; safe to run on every replica."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        *,
        erased: Callable[[], None] = lambda: None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        # Told when rows were erased, so the older copies are cleared (scheduler.scrubbing).
        self._erased = erased
        self._lock = asyncio.Lock()
        self._closed = False

    async def run(self) -> None:
        """Erase expired notes, unconsented people and people whose key is gone; a failure
        is logged and the next run tries again."""
        async with self._lock:
            if self._closed:
                return
            now = self._clock()
            try:
                async with self._sessions() as session, session.begin():
                    erased = await expire_notes(session, now=now)
                    forgotten = await forget_unconsented(session, before=now - UNCONSENTED_FOR)
                    keyless = await forget_keyless(session)
                    await purge_invitations(session, before=now - INVITATIONS_KEPT_FOR)
                    await purge_rounds(session, before=now - ROUNDS_KEPT_FOR)
                async with self._sessions() as session:
                    await scrub_keyring(session, within=SCRUB_AFTER_DESTROY_FOR)
            except Exception as error:  # the job must survive a database hiccup
                log.error("housekeeping failed: %s", type(error).__name__)
                return
        if erased or forgotten:
            self._erased()
        if erased:
            log.info("housekeeping: erased %d notes past their retention", erased)
        if forgotten:
            log.info("housekeeping: forgot %d people who never gave consent", forgotten)
        if keyless:
            log.info("housekeeping: erased the rows of %d people whose key is gone", keyless)

    async def close(self) -> None:
        """Let a run in flight finish; later runs do nothing (the database is closing)."""
        async with self._lock:
            self._closed = True
