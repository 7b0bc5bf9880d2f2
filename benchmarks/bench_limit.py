"""Section limit: does the app's rate limiter keep Telegram's limits while draining a burst?

The real `Dispatcher` + `TelegramSender` + PTB `ExtBot` with
`ChatRateLimiter(overall_rate=30, chat_rate=1, max_retries=3)` sends 30 x duration prompts,
all due at once: most people get one, ten people get five (five rituals at 22:00). The
emulator (its own process) stamps every request on arrival; from those stamps come the
achieved rate, the most sends in any one-second window, and the shortest gap between two
sends to one chat.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from bench_common import NOW, Table, emulator_process
from bench_data import People, build
from pipeline_probe import make_application

from bot.rate_limit import ChatRateLimiter
from bot.sender import TelegramSender
from scheduler.dispatch import Dispatcher
from store.db import create_engine, session_factory

RATE = 30
SEVERAL = People(users=10, per_user=5)  # ten people with five prompts each
TRANSPORT = "aiohttp"  # as bot/app.py is wired; the limiter works the same on both


async def run(url: str, work: Path, *, quick: bool) -> Table:
    """Drain one burst through the app's limiter and read the emulator's clock."""
    seconds = 10 if quick else 60
    total = RATE * seconds
    table = Table(
        f"limit: {total:,} prompts due at once, {RATE}/s overall, 1/s per chat",
        ["measure", "measured", "target"],
    )
    targets = (f"{total:,} / 0", "0", f"~{seconds}", f">= {RATE * 0.95}", f"<= {RATE}",
               f"<= {RATE}", ">= 1")  # fmt: skip
    for (measure, value), target in zip(await _drain(url, work, total), targets, strict=True):
        table.add(measure, value, target)
    table.notes.append(
        "bot.rate_limit.ChatRateLimiter with scheduler.dispatch.Dispatcher, over aiohttp"
    )
    return table


async def _drain(url: str, work: Path, total: int) -> list[tuple[str, object]]:
    singles = People(users=total - SEVERAL.subscriptions, first_user=SEVERAL.users + 1)
    url = url.replace("bench.db", "limit.db")
    await build(url, SEVERAL, singles)
    calls = work / "limit-calls.json"
    with emulator_process(chats=SEVERAL.users + singles.users, calls_to=calls) as emu:
        limiter = ChatRateLimiter(overall_rate=RATE, chat_rate=1, max_retries=3)
        app = make_application(emu.root_url, TRANSPORT, limiter)
        await app.bot.initialize()
        engine = create_engine(url)
        dispatcher = Dispatcher(
            session_factory(engine), TelegramSender(app.bot), grace=timedelta(hours=1)
        )
        try:
            started = time.perf_counter()
            report = await dispatcher.tick(NOW)
            elapsed = time.perf_counter() - started
        finally:
            await app.bot.shutdown()
            await engine.dispose()
    sends, refused = _sends(calls)
    return [
        ("prompts sent / failed", f"{report.sent:,} / {report.failed}"),
        ("sendMessage answered with an error (e.g. 429)", refused),
        ("drain time s (one tick)", elapsed),
        ("achieved rate /s (first to last send)", _rate(sends)),
        ("most sends in any 1 s window", _busiest_second(sends)),
        ("sends in the first second", _first_second(sends)),
        ("shortest gap between sends to one chat s", _shortest_gap(sends)),
    ]


def _sends(calls: Path) -> tuple[list[tuple[float, int]], int]:
    """(arrival time, chat) of every successful sendMessage, sorted; and the refused count."""
    rows = json.loads(calls.read_text())
    sends = sorted(
        (at, chat) for method, chat, at, ok, *_ in rows if method == "sendMessage" and ok
    )
    refused = sum(1 for method, _, _, ok, *_ in rows if method == "sendMessage" and not ok)
    return sends, refused


def _rate(sends: Sequence[tuple[float, int]]) -> float:
    return (len(sends) - 1) / (sends[-1][0] - sends[0][0])


def _busiest_second(sends: Sequence[tuple[float, int]]) -> int:
    """The most sends whose arrival falls in one window [t, t + 1 s)."""
    most, start = 0, 0
    for end, (at, _) in enumerate(sends):
        while sends[start][0] <= at - 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def _first_second(sends: Sequence[tuple[float, int]]) -> int:
    return sum(1 for at, _ in sends if at < sends[0][0] + 1.0)


def _shortest_gap(sends: Sequence[tuple[float, int]]) -> float:
    by_chat: dict[int, list[float]] = defaultdict(list)
    for at, chat in sends:
        by_chat[chat].append(at)
    gaps = [b - a for times in by_chat.values() for a, b in itertools.pairwise(times)]
    return min(gaps) if gaps else float("nan")
