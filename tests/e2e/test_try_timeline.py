"""`attune try`'s clock moved through time in-process: everything due arrives in order, each at its
own time, as the transcript shows it; housekeeping runs on the way.

The clock starts on Friday 27 November 2026, 12:00 UTC (13:00 in Berlin) and moves only by
jumps: its real-time part is held still.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render
from store.models import Note
from tests.e2e.db import count
from tests.e2e.flows import onboard, opt_in_default, press_for_edit
from tests.e2e.harness import TOKEN, make_settings, running_bot
from tryout.clock import SimulatedClock
from tryout.timeline import Timeline
from tryout.transcript import Kind, Shown, Transcript

START = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def sim_clock() -> SimulatedClock:
    """Friday 27 November 2026, 12:00 UTC, moving only when told to."""
    return SimulatedClock(START, timer=lambda: 0.0)


@pytest.fixture
async def world(
    sim_clock: SimulatedClock, database_url: str
) -> AsyncIterator[tuple[BotApiEmulator, AttuneApp]]:
    """The emulator and the bot, both on the simulated clock (messages carry its time)."""
    async with BotApiEmulator(TOKEN, clock=sim_clock.timestamp) as emu:
        settings = make_settings(emu.root_url, database_url)
        async with running_bot(settings, sim_clock) as app:
            yield emu, app


async def _live(timeline: Timeline, transcript: Transcript, until: datetime) -> list[Shown]:
    """Run the clock to `until`; what the transcript showed after each step."""
    shown: list[Shown] = []

    async def collect() -> None:
        shown.extend(transcript.news())

    await timeline.run_until(until, after_each=collect)
    return shown


async def test_a_week_arrives_in_order_each_at_its_time(
    world: tuple[BotApiEmulator, AttuneApp], sim_clock: SimulatedClock, tmp_path: Path
) -> None:
    emu, app = world
    sam = emu.user(user_id=15001, first_name="Sam")
    offer = await onboard(sam)
    await press_for_edit(sam, offer, "wsum:yes")
    await opt_in_default(sam, "body_scan")
    transcript = Transcript(emu.state, sam.chat_id, tmp_path)

    timeline = Timeline(app.bot_data.services, sim_clock)
    shown = await _live(timeline, transcript, START + timedelta(days=7))

    assert sim_clock() == START + timedelta(days=7)
    sent = [s for s in shown if s.kind is Kind.MESSAGE]
    # 22:00 in Berlin (21:00 UTC) from Friday to Thursday; the summary on Sunday at 18:00.
    evenings = [datetime(2026, 11, 27 + day, 21, 0, tzinfo=UTC) for day in range(4)]
    evenings += [datetime(2026, 12, day, 21, 0, tzinfo=UTC) for day in range(1, 4)]
    sunday_six = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
    assert [s.at for s in sent] == sorted([*evenings, sunday_six])
    summary = next(s for s in sent if s.at == sunday_six)
    title = render("summary_title", "en", start="23 Nov", end="29 Nov")
    assert summary.text.startswith(title) and not summary.choices
    assert all(s.choices for s in sent if s is not summary)  # every prompt can be rated


async def test_waiting_moves_to_the_moment_even_with_nothing_due(
    world: tuple[BotApiEmulator, AttuneApp], sim_clock: SimulatedClock, tmp_path: Path
) -> None:
    emu, app = world
    timeline = Timeline(app.bot_data.services, sim_clock)
    transcript = Transcript(emu.state, 15002, tmp_path)
    assert await _live(timeline, transcript, START + timedelta(hours=5)) == []
    assert sim_clock() == START + timedelta(hours=5)


async def test_notes_past_their_retention_are_erased_on_the_way(
    world: tuple[BotApiEmulator, AttuneApp],
    sim_clock: SimulatedClock,
    database_url: str,
    tmp_path: Path,
) -> None:
    emu, app = world
    sam = emu.user(user_id=15003, first_name="Sam")
    await onboard(sam)
    await sam.send("/journal")
    await sam.wait_for_message()
    await sam.send("An old thought.")
    await sam.wait_for_message(lambda m: m.text == render("note_saved", "en"))
    await sam.send("/settings")
    page = await sam.wait_for_message(lambda m: "privset" in str(m.buttons))
    choices = await press_for_edit(sam, page, "privset")
    await press_for_edit(sam, choices, "keep:30")
    # A month of hourly housekeeping takes a while to live through: the last hours show it.
    sim_clock.jump_to(START + timedelta(days=29, hours=22))
    timeline = Timeline(app.bot_data.services, sim_clock)
    transcript = Transcript(emu.state, sam.chat_id, tmp_path)
    await _live(timeline, transcript, START + timedelta(days=29, hours=23, minutes=30))
    assert await count(database_url, Note) == 1  # housekeeping ran at 23:00, and kept it
    await _live(timeline, transcript, START + timedelta(days=30, hours=2))
    assert await count(database_url, Note) == 0


async def test_a_snoozed_prompt_comes_back_at_its_time_on_the_way(
    world: tuple[BotApiEmulator, AttuneApp], sim_clock: SimulatedClock, tmp_path: Path
) -> None:
    emu, app = world
    sam = emu.user(user_id=15004, first_name="Sam")
    await onboard(sam)
    await opt_in_default(sam, "body_scan")
    timeline = Timeline(app.bot_data.services, sim_clock)
    transcript = Transcript(emu.state, sam.chat_id, tmp_path)
    ten_pm = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
    [prompt] = [s for s in await _live(timeline, transcript, ten_pm) if s.choices]
    later = next(c for c in prompt.choices if c.label == render("btn_later", "en"))
    await sam.press(later.message_id, later.label)
    choices = await sam.wait_for_edit(later.message_id)
    await sam.press(choices, callback_data=choices.buttons[0][1])  # in twenty minutes
    await sam.wait_for_edit(choices)
    transcript.news()

    shown = await _live(timeline, transcript, ten_pm + timedelta(hours=1))
    [back] = [s for s in shown if s.kind is Kind.MESSAGE]
    assert back.at == ten_pm + timedelta(minutes=20) and back.text == prompt.text
