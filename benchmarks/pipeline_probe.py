"""The pipeline section's child process: one measurement, printed as one JSON line.

    python benchmarks/pipeline_probe.py --mode full --url URL --root-url ROOT \\
        --transport aiohttp --prompts 5000 --emulator-pid PID

Modes: `full` runs one warm-up tick and one measured `Dispatcher.tick` that claims,
renders, sends and records every due prompt; `db` does the same with a sender that
answers at once (the database side alone); `send` only sends rendered prompts through
`TelegramSender` (the Telegram side alone), 32 at a time as the dispatcher does; `bare`
sends the very same requests straight through aiohttp (encode the body, POST, read the
message id), 32 at a time: the floor any sender in Python pays.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import json
import pstats
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from bench_common import CHAT_BASE, NOW, TOKEN, cpu_seconds_of, peak_rss_mb
from bench_data import People
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from bot.http import AiohttpRequest
from bot.prompt_markup import prompt_markup
from bot.rate_limit import ChatRateLimiter
from bot.runtime import settle_heap
from bot.sender import TelegramSender
from scheduler.dispatch import Dispatcher
from scheduler.prompt_words import outgoing
from scheduler.sender import OutgoingPrompt, Sender
from store.db import create_engine, session_factory
from store.prompts import ClaimedPrompt

TRANSPORTS = ("httpx", "aiohttp")
WARM = 300  # prompts sent first, so connections, caches and code paths are warm
# Warm-up people practise at 21:58 Berlin, so their next prompt is tomorrow's.
WARM_PEOPLE = People(users=WARM, due_at=NOW - timedelta(minutes=2), local_time="21:58")

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def make_application(root_url: str, transport: str, limiter: AIORateLimiter) -> AnyApplication:
    """The bot as `bot/app.py` builds it (no updater or job queue), on either transport.

    "aiohttp" is what `bot/app.py` wires; "httpx" is PTB's default, for comparison.
    """
    builder = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{root_url}/bot")
        .rate_limiter(limiter)
        .updater(None)
        .job_queue(None)
    )
    if transport == "aiohttp":
        builder = builder.request(AiohttpRequest()).get_updates_request(
            AiohttpRequest(connection_pool_size=1)
        )
    return builder.build()


class InstantSender:
    """Answers every prompt at once with a new message id: the database side alone."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    async def send_prompt(self, prompt: OutgoingPrompt) -> int:
        return next(self._ids)


class Meter:
    """Wall time, this process's CPU and the emulator's CPU over one measured stretch,
    which starts with the heap settled as `attune run` settles it once started."""

    def __init__(self, emulator_pid: int | None, profile: bool) -> None:
        self._pid = emulator_pid
        self.profiler = cProfile.Profile() if profile else None

    def __enter__(self) -> Meter:
        settle_heap()  # as `attune run` does once started
        self._emulator = cpu_seconds_of(self._pid) if self._pid else 0.0
        self._cpu, self._wall = time.process_time(), time.perf_counter()
        if self.profiler:
            self.profiler.enable()
        return self

    def __exit__(self, *_: object) -> None:
        if self.profiler:
            self.profiler.disable()
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu
        self.emulator = (cpu_seconds_of(self._pid) - self._emulator) if self._pid else 0.0


async def measure_ticks(args: argparse.Namespace, sender: Sender, meter: Meter) -> int:
    """Warm-up tick, then the measured tick; returns how many prompts it sent."""
    engine = create_engine(args.url)
    dispatcher = Dispatcher(session_factory(engine), sender, grace=timedelta(hours=1))
    try:
        warm = await dispatcher.tick(NOW - timedelta(minutes=1))
        assert warm.sent == WARM and not warm.failed, warm
        with meter:
            report = await dispatcher.tick(NOW)
    finally:
        await engine.dispose()
    if report.sent != args.prompts or report.failed or report.expired:
        raise RuntimeError(f"expected {args.prompts} sent, got {report}")
    return report.sent


def rendered(n: int) -> OutgoingPrompt:
    """Prompt n, to chat n, with its rating keyboard (the largest prompt there is)."""
    return outgoing(ClaimedPrompt(n, n, CHAT_BASE + n, "en", "body_scan", n, True, NOW))


async def measure_sends(args: argparse.Namespace, sender: TelegramSender, meter: Meter) -> int:
    """Send rendered prompts to every chat, 32 at a time; returns how many were sent."""
    slots = asyncio.Semaphore(32)

    async def send(n: int) -> None:
        async with slots:
            await sender.send_prompt(rendered(n))

    await asyncio.gather(*(send(n) for n in range(1, WARM + 1)))
    with meter:
        await asyncio.gather(*(send(n) for n in range(WARM + 1, WARM + args.prompts + 1)))
    return int(args.prompts)


async def measure_bare(args: argparse.Namespace, meter: Meter) -> int:
    """The requests `measure_sends` makes, made beforehand, then sent straight through
    aiohttp, 32 at a time: encode the body as bot.http does, POST, parse the answer, read
    the message id."""
    url = f"{args.root_url}/bot{TOKEN}/sendMessage"
    body = {"Content-Type": "application/json"}
    slots = asyncio.Semaphore(32)
    requests = {n: _fields(rendered(n)) for n in range(1, WARM + args.prompts + 1)}
    connector = aiohttp.TCPConnector(limit=64, limit_per_host=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def send(n: int) -> None:
            data = json.dumps(requests[n], ensure_ascii=False).encode()
            async with slots, session.post(url, data=data, headers=body) as answer:
                sent = json.loads(await answer.read())
            assert sent["result"]["message_id"] > 0

        await asyncio.gather(*(send(n) for n in range(1, WARM + 1)))
        with meter:
            await asyncio.gather(*(send(n) for n in range(WARM + 1, WARM + args.prompts + 1)))
    return int(args.prompts)


def _fields(prompt: OutgoingPrompt) -> dict[str, str]:
    """The values TelegramSender sends for `prompt`, as PTB encodes them (JSON values)."""
    markup = prompt_markup(prompt)
    assert markup is not None
    return {"chat_id": str(prompt.chat_id), "text": prompt.text, "reply_markup": markup,
            "protect_content": "true"}  # fmt: skip


async def probe(args: argparse.Namespace) -> dict[str, Any]:
    """Run the chosen mode and gather its figures."""
    meter = Meter(args.emulator_pid, args.profile)
    if args.mode == "db":
        sent = await measure_ticks(args, InstantSender(), meter)
    elif args.mode == "bare":
        sent = await measure_bare(args, meter)
    else:
        limiter = ChatRateLimiter(overall_rate=1e6, chat_rate=1e3, max_retries=3)
        app = make_application(args.root_url, args.transport, limiter)
        await app.bot.initialize()
        try:
            sender = TelegramSender(app.bot)
            if args.mode == "send":
                sent = await measure_sends(args, sender, meter)
            else:
                sent = await measure_ticks(args, sender, meter)
        finally:
            await app.bot.shutdown()
    return {
        "sent": sent,
        "wall": meter.wall,
        "cpu": meter.cpu,
        "emulator_cpu": meter.emulator,
        "peak_rss_mb": peak_rss_mb(),
        "top": top_functions(meter.profiler) if meter.profiler else [],
    }


def top_functions(profiler: cProfile.Profile, count: int = 8) -> list[tuple[str, float]]:
    """The functions with the most own time, as (name, share of all profiled time)."""
    stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(own for (_cc, _nc, own, _cum, _callers) in stats.values())
    rows = sorted(stats.items(), key=lambda item: -item[1][2])[:count]
    return [(_name(*key), value[2] / total) for key, value in rows]


# Profiled file names are shown relative to the checkout (or to site-packages).
_CHECKOUT = f"{Path(__file__).resolve().parent.parent}/"


def _name(filename: str, line: int, function: str) -> str:
    if filename == "~":
        return function
    short = filename.split("site-packages/", 1)[-1].removeprefix(_CHECKOUT)
    return f"{short}:{line} {function}"


def main() -> None:
    """Parse the arguments, measure, print one JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=("full", "db", "send", "bare"), default="full")
    parser.add_argument("--url", default="")
    parser.add_argument("--root-url", default="")
    parser.add_argument("--transport", choices=TRANSPORTS, default="aiohttp")
    parser.add_argument("--prompts", type=int, required=True)
    parser.add_argument("--emulator-pid", type=int, default=0)
    parser.add_argument("--profile", action="store_true")
    print(json.dumps(asyncio.run(probe(parser.parse_args()))))


if __name__ == "__main__":
    main()
