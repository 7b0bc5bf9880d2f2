"""The end-to-end fixtures, shared: the real application polling the emulator, on each
backend, at Friday 27 November 2026, 12:00 UTC. A test that needs other settings defines
its own `bot`."""

from tests.e2e.conftest import bot, clock, database_url

__all__ = ["bot", "clock", "database_url"]
