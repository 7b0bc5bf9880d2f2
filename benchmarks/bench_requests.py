"""Requests and rate-limited messages per completed check-in (target <= 4), path by path,
taking updates by long polling and through a webhook.

    python benchmarks/bench_requests.py [--people 10 100] [--quick]

The real application runs in this process (rate limits out of reach) against the Bot API
emulator on loopback, on a SQLite database of N people per path, all due at 22:00 in Berlin:
once long polling, once in webhook mode (the emulator delivering to the bot's own port).
Each person checks in on their path two evenings running: the first evening's check-in is
everyone's first, so it reaches a milestone (the plain path's first evening is the "first
check-in" row); the second evening's is an ordinary one, counted for every path. A
check-in runs from the prompt to a stored rating with its thank-you, plus what the path
adds: Open on a discreet prompt, a note and its "saved", the care offer after a low rating,
naming the kind of step after small wins.

For each path and mode it prints, per completed check-in, the Bot API requests the bot made
(the emulator's tally for those people's chats), the calls carried in the webhook's answers
instead (bot.webhook_reply: a tap's answer), and the messages among all of them, the sends
and edits that Telegram counts against its limits (about 30 a second per bot; the callback
answers count against none). Request counts are deterministic: they do not grow with N,
and the sizes only show that. Then what that means for a popular minute at the default
ATTUNE_RATE_LIMIT.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench_common import CHAT_BASE, NOW, TOKEN, Table, free_port
from bench_data import People, build, sqlite_url
from sqlalchemy import text
from updates_probe import until

from bot.app import build_application
from bot.data_key import load_data_key
from bot.runtime import running
from bot.settings import Settings
from emulator import BotApiEmulator, SimulatedUser, Tally
from store.crypto import new_key
from store.db import create_engine

# Path -> (what it is called, its ritual, discreet prompts).
PATHS = {
    "plain": ("plain (rate 4)", "body_scan", False),
    "discreet": ("discreet (Open, rate 4)", "body_scan", True),
    "note": ("with a note", "body_scan", False),
    "low": ("low rating (1: care offer)", "body_scan", False),
    "step": ("small wins, naming a step", "small_wins", False),
}
FIRST = "first check-in (milestone)"
NOTE = "Shoulders softer tonight."
# ATTUNE_RATE_LIMIT's default: the messages a second one bot sends, leaving room below 30.
RATE = 25
FIVE_MINUTES = 300
MODES = ("polling", "webhook")


def _settings(root_url: str, database_url: str, mode: str) -> Settings:
    port = free_port()
    values: dict[str, object] = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": root_url,
        "DATABASE_URL": database_url,
        "ATTUNE_DATA_KEY": new_key(),
        "ATTUNE_TICK_SECONDS": 3600,  # ticked by hand, at the clock's evening
        "ATTUNE_RATE_LIMIT": 1_000_000,  # counts, not waiting, are measured here
        "ATTUNE_CHAT_RATE_LIMIT": 1000,
        "ATTUNE_HTTP_HOST": "127.0.0.1",
        "ATTUNE_HTTP_PORT": port,
        "ATTUNE_MODE": mode,
        "LOG_LEVEL": "WARNING",
    }
    if mode == "webhook":
        values["ATTUNE_WEBHOOK_URL"] = f"http://127.0.0.1:{port}/telegram/updates"
        values["ATTUNE_WEBHOOK_SECRET"] = "bench-webhook-secret-0123456789abcdef"
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def _shape(url: str, people: int) -> None:
    """Group n (from 0) of the people takes path n: its ritual and discretion."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for n, (_, ritual, discreet) in enumerate(PATHS.values()):
                first, last = 1 + n * people, (n + 1) * people
                params = {"first": first, "last": last, "ritual": ritual, "discreet": discreet}
                where = "BETWEEN :first AND :last"
                await conn.execute(
                    text(f"UPDATE users SET discreet = :discreet WHERE id {where}"), params
                )
                await conn.execute(
                    text(f"UPDATE subscriptions SET ritual_key = :ritual WHERE user_id {where}"),
                    params,
                )
    finally:
        await engine.dispose()


def _buttons(person: SimulatedUser) -> tuple[Any, list[str]]:
    """The person's last message with buttons, and their callback data."""
    message = next(m for m in reversed(person.messages) if m.buttons)
    return message, [data for _, data in message.buttons if data]


async def _settled(emu: BotApiEmulator, what: str) -> None:
    """Every update handled: the bot confirms one only once it and its replies are done (and
    the emulator runs a call a webhook's answer carried before it takes the answer as one)."""
    await until(lambda: not emu.state.updates, 300, what)


async def _evening(
    emu: BotApiEmulator, app: Any, moment: list[datetime], groups: dict[str, list[Any]]
) -> dict[str, Tally]:
    """Everyone's check-in on their path at 22:00; what each path's people cost."""
    mark = len(emu.calls)
    dispatch = app.bot_data.services.dispatch
    await dispatch.run()  # every prompt is sent when this returns
    for person in groups["discreet"]:
        message, data = _buttons(person)
        await person.press(message, callback_data=next(d for d in data if d.startswith("open:")))
    await _settled(emu, "Open")
    for path, people in groups.items():
        rating = ":1" if path == "low" and moment[0] > NOW else ":4"
        for person in people:
            message, data = _buttons(person)
            await person.press(message, callback_data=next(d for d in data if d.endswith(rating)))
    await _settled(emu, "the ratings")
    for person in groups["note"]:
        await person.send(NOTE)
    for person in groups["step"]:
        message, data = _buttons(person)
        check_in = next(d for d in data if d.startswith("nonote:")).split(":")[1]
        await person.press(message, callback_data=f"win:{check_in}:want")
    await _settled(emu, "the notes and steps")
    if refused := [c for c in emu.calls[mark:] if not c.ok]:
        raise RuntimeError(f"the emulator refused {len(refused)} calls: {refused[0]}")
    chats = {path: {person.chat_id for person in people} for path, people in groups.items()}
    return {path: emu.tally(chats[path], after=mark) for path in groups}


async def measure(people: int, work: Path, mode: str) -> dict[str, Tally]:
    """Two evenings of `people` per path, taking updates in `mode`; the second evening's
    tallies, and the plain path's first evening as FIRST."""
    url = sqlite_url(work / f"requests-{mode}-{people}.db")
    await build(url, People(users=people * len(PATHS), due_at=NOW))
    await _shape(url, people)
    emu = BotApiEmulator(TOKEN)
    users = [emu.user(CHAT_BASE + n) for n in range(1, people * len(PATHS) + 1)]
    groups = {path: users[n * people : (n + 1) * people] for n, path in enumerate(PATHS)}
    moment = [NOW - timedelta(hours=1)]  # nothing is due when the bot starts
    settings = _settings(await emu.start(), url, mode)
    try:
        app = build_application(
            settings, data_key=load_data_key(settings), clock=lambda: moment[0]
        )
        async with running(app):
            moment[0] = NOW
            first = await _evening(emu, app, moment, groups)
            moment[0] = NOW + timedelta(days=1)
            tallies = await _evening(emu, app, moment, groups)
    finally:
        await emu.stop()
    if emu.internal_errors:
        raise RuntimeError(f"the emulator failed: {emu.internal_errors[0]!r}")
    await _check_stored(url, people)
    return {**tallies, FIRST: first["plain"]}


async def _check_stored(url: str, people: int) -> None:
    """Every rating of both evenings was stored: nothing was counted that failed."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            stored = (await conn.execute(text("SELECT count(*) FROM check_ins"))).scalar_one()
    finally:
        await engine.dispose()
    if stored != 2 * people * len(PATHS):
        raise RuntimeError(f"{stored} check-ins stored of {2 * people * len(PATHS)}")


def _per_check_in(methods: dict[str, int], people: int) -> str:
    """Calls by method, per check-in."""
    shown = Counter({m: n / people for m, n in methods.items()})
    return ", ".join(f"{m} {n:g}" for m, n in sorted(shown.items())) or "-"


async def main(sizes: Sequence[int]) -> None:
    table = Table(
        "requests and rate-limited messages per completed check-in (target <= 4)",
        ["path", "mode", "people", "requests", "carried", "messages (30/s)",
         "requests by method (per check-in)", "carried in the webhook's 200"],
    )  # fmt: skip
    messages: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="attune-requests-") as folder:
        for people in sizes:
            for mode in MODES:
                measured = await measure(people, Path(folder), mode)
                for path, tally in measured.items():
                    name = PATHS[path][0] if path in PATHS else path
                    carried = sum(tally.carried.values())
                    table.add(name, mode, people, tally.requests / people, carried / people,
                              tally.messages / people, _per_check_in(dict(tally.methods), people),
                              _per_check_in(dict(tally.carried), people))  # fmt: skip
                    messages[path] = tally.messages / people
    table.notes += [
        "from the prompt to a stored rating with its thank-you, plus what the path adds;"
        " requests: the HTTP requests the bot made; carried: the calls that rode in the"
        " webhook's answers to updates instead (a tap's answer, webhook mode only);"
        " messages: the sends and edits among both, which Telegram counts against its"
        " limits (answerCallbackQuery is not one)",
        "the second evening's check-in of each person; the first check-in is the plain"
        " path's first evening",
    ]
    table.print()
    rule = Table(
        f"a popular minute at ATTUNE_RATE_LIMIT={RATE}: everyone answers at once",
        ["prompts", "messages per check-in", "people/s", "people answered in 5 minutes"],
    )
    for path in ("plain", "discreet"):
        per = messages[path]
        rule.add(PATHS[path][0], per, RATE / per, round(FIVE_MINUTES * RATE / per))
    rule.add("the prompts alone (answers later)", 1.0, float(RATE), FIVE_MINUTES * RATE)
    rule.notes.append("the same in both modes: a carried answer is no message either")
    rule.print()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--quick", action="store_true", help="10 people per path only")
    args = parser.parse_args()
    asyncio.run(main([10] if args.quick else args.people))
