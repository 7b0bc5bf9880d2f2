"""The tap section's child process: what a rating and /history cost one person, by how long
their history is.

    python benchmarks/tap_probe.py --url URL --history N --people P --work DIR [--runs R]

Builds the database: P people (and one more, who goes first at each step to warm the bot
up, unmeasured), each with a ritual due a minute ago (wall clock) and N
check-ins before it (the eight practices in turn, three hours apart, a note on every fifth),
and the milestones such a history has reached (every first, the totals up to N), so that no
rating celebrates anything at any size. Then measures:

- the milestone step alone: ``after_check_in``, the call a first rating makes, on a fresh
  check-in of the first person, in this process and rolled back (median of R runs; CPU is
  this process's, SQLite's included, PostgreSQL's not);
- the real thing: ``python -m bot run`` as a child process, the Bot API emulator and its
  people here. Every prompt is sent and opened; then one person at a time rates 4, then one
  at a time sends /history, then one at a time presses Older. Each update's latency runs
  from the person's tap to the bot's last Bot API call for it (everything is confirmed
  before the next person's turn); CPU is the bot process's own, per update.

Prints one JSON line. Runs whatever code PYTHONPATH names, so older code is measured the
same way (bench_tap.py --source).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_common import CHAT_BASE, TOKEN, cpu_seconds_of
from bench_data import People, add_history, build, keyring_url
from sqlalchemy import func, select
from updates_probe import act, bot_env, prompts_sent, running_bot, until

from bot.handlers.milestones import after_check_in
from emulator import BotApiEmulator, SimulatedUser
from messages import render, rituals
from progress.milestones import TOTALS
from store.check_ins import add_check_in
from store.crypto import DataKey, new_key
from store.db import create_engine, session_factory
from store.keyring import open_keyring
from store.models import CheckIn, User


async def milestone_step(url: str, due: datetime, runs: int, key: str) -> dict[str, float]:
    """Median ms (wall, CPU) of the milestone step for a new check-in of person 1."""
    engine, ring = create_engine(url), open_keyring(keyring_url(url), DataKey([key]))
    sessions = session_factory(engine, ring)
    walls, cpus = [], []
    try:
        for _ in range(runs):
            async with sessions() as session:
                user = await session.get(User, 1)
                assert user is not None
                now = datetime.now(UTC)
                check_in = await add_check_in(
                    session, user_id=1, ritual_key=rituals()[0].key, rating=4, practiced_at=due,
                    now=now,
                )  # fmt: skip
                wall, cpu = time.perf_counter(), time.process_time()
                reached = await after_check_in(
                    session, user=user, check_in=check_in, has_note=False, now=now
                )
                cpus.append((time.process_time() - cpu) * 1e3)
                walls.append((time.perf_counter() - wall) * 1e3)
                if reached:
                    raise RuntimeError(f"the step reached {reached}: not what is measured")
                await session.rollback()
    finally:
        await engine.dispose()
        await ring.dispose()
    return {"wall_ms": statistics.median(walls), "cpu_ms": statistics.median(cpus)}


async def in_turn(
    emu: BotApiEmulator,
    pid: int,
    people: list[SimulatedUser],
    action: Callable[[SimulatedUser], Awaitable[object]],
) -> dict[str, Any]:
    """Each person's update, one at a time, each handled and confirmed before the next."""
    first_call, cpu = len(emu.calls), cpu_seconds_of(pid)
    latencies = []
    for person in people:
        mark, started = len(emu.calls), time.time()
        await action(person)
        await until(lambda: not emu.state.updates, 120, "the update to be handled")
        replies = [c for c in emu.calls[mark:] if c.method != "getUpdates"]
        if not replies:
            raise RuntimeError("the bot made no Bot API call for an update")
        latencies.append((max(c.at for c in replies) - started) * 1e3)
    cpu = cpu_seconds_of(pid) - cpu
    calls = [c for c in emu.calls[first_call:] if c.method != "getUpdates"]
    refused = [c for c in calls if not c.ok]
    sorry = render("error_generic", "en")
    failed = [c for c in calls if c.method == "sendMessage" and c.params["text"] == sorry]
    if refused or failed:
        raise RuntimeError(f"{len(refused)} calls refused, {len(failed)} handlers failed")
    return {
        "latency_ms": latencies,
        "cpu_ms": cpu / len(people) * 1e3,
        "calls": len(calls) / len(people),
    }


async def press_older(person: SimulatedUser) -> None:
    """Press Older under the person's /history page."""
    page = person.last_message
    older = render("btn_history_older", "en")
    assert page is not None
    [data] = [data for text, data in page.buttons if text == older]
    await person.press(page, callback_data=data)


async def probe(args: argparse.Namespace) -> dict[str, Any]:
    """Build, time the milestone step, then run the bot and the people."""
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    key = new_key()
    group = People(users=args.people + 1, due_at=due)  # one more, to warm the bot up
    started = time.perf_counter()
    await build(args.url, group)
    reached = [f"first:{ritual.key}" for ritual in rituals()] + ["first_weekly", "first_note"]
    reached += [f"total_{count}" for count in TOTALS if count <= args.history]
    await add_history(
        args.url, group, each=args.history, end=due, reached=reached, data_key=DataKey([key]),
        note_text="A quiet evening; I slept better after.",
    )  # fmt: skip
    built = time.perf_counter() - started
    step = await milestone_step(args.url, due, args.runs, key)

    emu = BotApiEmulator(TOKEN)
    people = [emu.user(CHAT_BASE + n) for n in range(1, args.people + 2)]
    await emu.start()
    log = args.work / "bot-tap.log"
    env = bot_env(emu.root_url, args.url, "polling") | {"ATTUNE_DATA_KEY": key}
    async with running_bot(emu, env, args.work, log) as bot:
        await until(lambda: len(prompts_sent(emu)) >= len(people), 120, "every prompt")
        prompts = prompts_sent(emu)
        for person in people:
            await act(person, "open", prompts[person.user_id])
        await until(lambda: not emu.state.updates, 120, "every prompt to be opened")
        actions: dict[str, Callable[[SimulatedUser], Awaitable[object]]] = {
            "rate": lambda p: act(p, "rate", prompts[p.user_id]),
            "history": lambda p: p.send("/history"),
        }
        if args.history > 0:  # with no history there is no older page
            actions["older"] = press_older
        steps = {}
        for name, action in actions.items():
            # The first person warms the bot up (statements compiled, caches filled):
            # a bot that has run a while, as a real one has.
            await in_turn(emu, bot.pid, people[:1], action)
            steps[name] = await in_turn(emu, bot.pid, people[1:], action)
    await _check_stored(args.url, len(people) * (args.history + 1))
    return {"build_s": built, "step": step, **steps}


async def _check_stored(url: str, expected: int) -> None:
    """Every rating was stored, once: the figures are of work that was done."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            stored = await conn.scalar(select(func.count()).select_from(CheckIn))
    finally:
        await engine.dispose()
    if stored != expected:
        raise RuntimeError(f"{stored} check-ins stored, {expected} expected")


def main() -> None:
    """Parse the arguments, measure, print one JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--history", type=int, required=True)
    parser.add_argument("--people", type=int, required=True)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--work", type=Path, required=True)
    print(json.dumps(asyncio.run(probe(parser.parse_args()))))


if __name__ == "__main__":
    main()
