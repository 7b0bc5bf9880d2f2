"""A simulated month of practice through the real application and the emulator.

Sam opts in to three rituals (the bedtime body scan every day at 22:00, breathwork every
day at 08:00, the needs-and-boundaries check-in on Sundays at 19:00) and to the weekly
summary, moved to Sundays at 20:30. Over 35 days Sam answers most prompts, with ratings
that rise, leaves some unanswered, skips one, writes a few notes, and takes an 8-day gap
(in which each daily ritual asks once about its pace, and Sam leaves that too).
The fake clock moves from due time to due time; nothing sleeps.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import matplotlib.image
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import AttuneApp
from emulator import BotApiEmulator
from messages import render, ritual_text
from messages.formats import date_short
from progress.milestones import milestone_message
from store.models import User
from tests.e2e.db import opened_check_ins, opened_milestones
from tests.e2e.flows import onboard, opt_in_default, press_for_edit, tick_at
from tests.e2e.harness import FakeClock, make_settings, running_bot
from tests.e2e.practice import celebrated, prompt_at, rate, sent_photos, skip, write_note

BERLIN = ZoneInfo("Europe/Berlin")
FIRST_DAY = date(2026, 11, 27)  # a Friday; the clock starts at 13:00 Berlin time
DAYS = 35
GAP = range(15, 23)  # Saturday 12 to Saturday 19 December: 8 days without an answer
TIMES = {"breath": (8, 0), "needs_boundaries": (19, 0), "body_scan": (22, 0)}
SUMMARY_TIME = (20, 30)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Step:
    """One due prompt of the month and what Sam does with it."""

    key: str
    due: datetime
    rating: int | None  # None: left unanswered
    skip: bool = False
    note: str | None = None
    pacing: bool = False  # the question about pace comes instead of the prompt


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    local = FIRST_DAY + timedelta(days=day)
    return datetime(local.year, local.month, local.day, hour, minute, tzinfo=BERLIN).astimezone(
        UTC
    )


def _rating(key: str, day: int) -> int:
    # Lower before the gap, higher after it: growth that is gradual, not a straight line.
    if key == "needs_boundaries":
        return 3 if day < 15 else 4 + day % 2
    if day < 15:
        return 2 + day % 2
    return 4 + day % 2


def plan() -> list[Step]:
    """Every due prompt of the 35 days, in time order, and Sam's answer to it."""
    notes = {(1, "body_scan"): "Slept easier.", (8, "breath"): "Calmer than I expected."}
    steps = []
    for day in range(DAYS):
        weekday = (FIRST_DAY + timedelta(days=day)).weekday()
        for key, (hour, minute) in TIMES.items():
            due = _at(day, hour, minute)
            if due <= _at(0, 13) or (key == "needs_boundaries" and weekday != 6):
                continue
            unanswered = day in GAP or (day, key) in {(3, "breath"), (5, "body_scan")}
            steps.append(
                Step(
                    key,
                    due,
                    None if unanswered else _rating(key, day),
                    skip=(day, key) == (9, "breath"),
                    note=notes.get((day, key)),
                    # Four daily prompts untouched (days 15 to 18): the fifth asks instead.
                    pacing=day == GAP[0] + 4 and key != "needs_boundaries",
                )
            )
    return steps


def summaries_due() -> list[datetime]:
    """Sundays at 20:30 in Berlin, within the month."""
    return [
        _at(day, *SUMMARY_TIME)
        for day in range(DAYS)
        if (FIRST_DAY + timedelta(days=day)).weekday() == 6
    ]


# What the month reaches, each celebrated once. Firsts come with the first answer of each
# ritual; totals count check-ins in all; growth comes on Monday 21 December, the first day
# the mean of each daily ritual's last 14 days (4 ratings before the gap, 2 after) is 0.5
# above the 14 days before (breath: 19/6 against 19/8). Nothing counts days in a week or
# celebrates a 5 (four weeks had check-ins on 4 days or more, and there are 5s), and the
# 8-day gap is shorter than the 14 days after which coming back is welcomed.
EXPECTED = {
    "first:body_scan",
    "first:breath",
    "first:needs_boundaries",
    "first_weekly",
    "first_note",
    "total_3",
    "total_7",
    "total_14",
    "total_30",
    "growth:breath:2026-12-21",
    "growth:body_scan:2026-12-21",
}


@pytest.fixture
async def fast_bot(
    emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> AsyncIterator[AttuneApp]:
    """The application with a generous send rate, so a month of prompts stays quick."""
    settings = make_settings(emulator.root_url, database_url, ATTUNE_RATE_LIMIT=1000)
    async with running_bot(settings, clock) as app:
        yield app


async def test_a_month_of_practice(
    fast_bot: AttuneApp, emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    started = time.monotonic()
    sam = emulator.user(user_id=12001, first_name="Sam")
    offer = await onboard(sam)
    await press_for_edit(sam, offer, "wsum:yes")
    for key in TIMES:
        await opt_in_default(sam, key)
    # The summary moves to Sunday 20:30, after the Sunday check-in at 19:00.
    await sam.send("/settings")
    shown = await sam.wait_for_message(lambda m: bool(m.buttons))
    page = await press_for_edit(sam, shown, "wsum")
    await sam.press(page, callback_data="wstime")
    await sam.wait_for_message(lambda m: m.text == render("summary_ask_time", "en"))
    await sam.send("20:30")
    await sam.wait_for_message(lambda m: "20:30" in (m.text or ""))

    events: list[tuple[datetime, Step | None]] = [(step.due, step) for step in plan()]
    events += [(due, None) for due in summaries_due()]
    summaries = []
    for due, step in sorted(events, key=lambda event: event[0]):
        when = due + timedelta(seconds=5)
        if step is None:
            mark = sam.mark()
            await tick_at(fast_bot, clock, when)
            summary = await sam.wait_for_message(_is_summary, after=mark)
            summaries.append((due, summary))
            continue
        if step.pacing:
            mark = sam.mark()
            await tick_at(fast_bot, clock, when)
            await sam.wait_for_message(
                lambda m, key=step.key: f"pacekeep:{key}" in str(m.buttons), after=mark
            )
            continue
        prompt = await prompt_at(fast_bot, clock, sam, when)
        if step.skip:
            await skip(sam, prompt)
        elif step.rating is not None:
            await rate(sam, prompt, step.rating)
            if step.note:
                await write_note(sam, step.note)
    # A note written on its own later on is no second "first note".
    await sam.send("/journal")
    ask = render("journal_ask", "en")
    await sam.wait_for_message(lambda m: m.text == ask)
    await write_note(sam, "A whole month, gently.")

    answered = [step for step in plan() if step.rating is not None and not step.skip]
    rows = await opened_check_ins(database_url)
    assert len(rows) == len(answered) == 54
    milestones = {row.key for row in await opened_milestones(database_url)}
    assert milestones == EXPECTED
    counts = await celebrated(sam, database_url)
    keys = sorted(milestones)
    for text, seen in counts.items():
        expected = sum(milestone_message(key, "en") == text for key in keys)
        assert seen == expected, text
    assert all(seen == 1 for seen in counts.values())

    # Exactly one summary a week, at Sunday 20:30 Berlin time, naming what was practised.
    assert len([m for m in sam.messages if _is_summary(m)]) == len(summaries_due()) == 5
    for due, summary in summaries:
        assert summary.buttons == [] and summary.text is not None
        week_start = due.astimezone(BERLIN).date() - timedelta(days=6)
        title = render(
            "summary_title",
            "en",
            start=_short(week_start),
            end=_short(due.astimezone(BERLIN).date()),
        )
        assert summary.text.startswith(title)
        practised = {
            step.key for step in answered if _local_midnight(week_start) <= step.due <= due
        }
        for key in TIMES:
            named = f"{ritual_text(key, 'en').name}: it felt" in summary.text
            assert named == (key in practised), (due, key)
        # In words: below the title, only a milestone's name may hold a number.
        words = [line for line in summary.text.splitlines()[1:] if "Reached" not in line]
        assert not re.search(r"[0-9↑↓→·▁▂▃▄▅▆▇█]", "\n".join(words)), summary.text
        if not practised:
            assert summary.text.count("\n\n") == 1  # the title and a warm line, no more
    # Each daily ritual asked about its pace once, at its own time, in the gap.
    asked = [m for m in sam.messages if "pacekeep:" in str(m.buttons)]
    assert len(asked) == 2

    # /progress: the words, then a real PNG, named discreetly in discreet mode.
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(
            update(User).where(User.telegram_id == sam.user_id).values(discreet=True)
        )
    await engine.dispose()
    mark = sam.mark()
    await sam.send("/progress")
    title = render("progress_title", "en")
    await sam.wait_for_message(lambda m: (m.text or "").startswith(title), after=mark)
    await emulator.wait_for_call("sendPhoto", lambda c: c.ok)
    [(call, png)] = sent_photos(emulator, sam.chat_id)
    assert png.startswith(PNG_SIGNATURE)
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    # Five weeks of three practices: the recent chart over 35 days, sized for a phone.
    assert pixels.shape[:2] == (636, 720)
    assert call.params["caption"] == render("chart_caption_discreet", "en")

    elapsed = time.monotonic() - started
    print(f"a month of practice took {elapsed:.1f}s")  # shown with -s
    assert elapsed < 30


def _is_summary(message: object) -> bool:
    return str(getattr(message, "text", "")).startswith("Your week,")


def _short(day: date) -> str:
    return date_short(day, "en")


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=BERLIN).astimezone(UTC)
