"""Living through time: the clock moves to each moment something is due, one at a time, and
the bot's own dispatch tick and housekeeping run there, so whatever falls due during a
`/wait` arrives in order, each at its own time.

The jobs are the running bot's own (bot.app opens them; APScheduler runs them every few
seconds of real time meanwhile, which is harmless: they take turns, at the clock's now).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.services import Services
from scheduler.runner import HOUSEKEEPING_SECONDS
from store.simulation import next_wakeup
from tryout.clock import SimulatedClock

HOUSEKEEPING_EVERY = timedelta(seconds=HOUSEKEEPING_SECONDS)


class TickFailed(Exception):
    """A dispatch tick did not finish (the log says why); the clock stops where it was."""


class Timeline:
    """Moves a session's clock through everything due, as the scheduler would live it."""

    def __init__(self, services: Services, clock: SimulatedClock) -> None:
        self._services = services
        self._clock = clock
        # The scheduler ran housekeeping as the bot started; its next run is an hour on.
        self._next_housekeeping = clock() + HOUSEKEEPING_EVERY

    async def run_until(
        self, target: datetime, *, after_each: Callable[[], Awaitable[None]]
    ) -> None:
        """Step the clock to `target`, stopping at every moment in between at which
        something comes due and at every housekeeping hour: tick there, then `after_each`
        (show what arrived) before the next step. Raises TickFailed."""
        services = self._services
        dispatch, housekeeping = services.dispatch, services.housekeeping
        assert dispatch is not None and housekeeping is not None, "the bot is not open yet"
        while True:
            async with services.session() as session:
                due = await next_wakeup(session, after=self._clock())
            step = min(m for m in (due, self._next_housekeeping, target) if m is not None)
            self._clock.jump_to(step)
            if not await dispatch.run():
                raise TickFailed
            if self._clock() >= self._next_housekeeping:
                await housekeeping.run()
                self._next_housekeeping = self._clock() + HOUSEKEEPING_EVERY
            await after_each()
            if step >= target:
                return
