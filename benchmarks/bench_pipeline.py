"""Section pipeline: prompts/s through claim -> render -> send -> record, and where CPU goes.

For each measurement the parent builds a database of people who are all due now, starts
the emulator in a process of its own, and runs `pipeline_probe.py` in a fresh process
(clean peak RSS): the real `Dispatcher` + `TelegramSender` + PTB `ExtBot` (built by
`ApplicationBuilder` with the app's `ChatRateLimiter`, its limits set out of reach), on
the transport `bot/app.py` wires (`bot.http.AiohttpRequest`) and on PTB's default (httpx)
for comparison. Then the two halves are measured apart, to show where the bot's CPU goes:
sending alone (per transport) next to its floor, the very same requests sent straight
through aiohttp with nothing else around them, and claiming plus recording alone (per
backend); the send half is profiled once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench_common import Table, emulator_process, run_child
from bench_data import People, build
from pipeline_probe import WARM, WARM_PEOPLE

# The app's transport first; PTB's default for comparison.
TRANSPORTS = ("aiohttp", "httpx")


async def run(backends: Sequence[tuple[str, str]], work: Path, *, quick: bool) -> list[Table]:
    """The whole pipeline per backend and variant, then its halves apart."""
    prompts = 1_000 if quick else 5_000
    urls = [(name, _own_file(url)) for name, url in backends]
    whole = Table(
        f"pipeline: {prompts:,} due prompts, claim -> render -> send -> record",
        ["backend", "transport", "prompts/s", "CPU ms/prompt", "1-core cap/s",
         "peak RSS MB", "emulator CPU %"],
    )  # fmt: skip
    for backend, url in urls:
        for transport in TRANSPORTS:
            got = await _measure("full", url, prompts, transport=transport)
            whole.add(backend, transport, got["sent"] / got["wall"],
                      got["cpu"] / got["sent"] * 1e3, got["sent"] / got["cpu"],
                      got["peak_rss_mb"], got["emulator_cpu"] / got["wall"] * 100)  # fmt: skip
    whole.notes.append("CPU: the bot process's (all threads); 1-core cap: prompts per CPU-second")
    whole.notes.append("transport: aiohttp is bot.http.AiohttpRequest (the app's); httpx is PTB's")
    whole.notes.append("prompts: discreet (the default), one line and an Open button")
    whole.notes.append("target: <= 0.5 ms of CPU per prompt (1,000/s with room to spare)")
    return [whole, await _halves(urls, prompts)]


async def _halves(urls: Sequence[tuple[str, str]], prompts: int) -> Table:
    halves = Table(
        "pipeline, where the bot's CPU goes: each half alone",
        ["half", "backend", "transport", "CPU ms/prompt"],
    )
    for transport in TRANSPORTS:
        got = await _measure("send", "", prompts, transport=transport)
        halves.add("send (TelegramSender, PTB, transport)", "-", transport, _per_prompt(got))
    got = await _measure("bare", "", prompts)
    halves.add("send floor (same requests, bare aiohttp)", "-", "aiohttp", _per_prompt(got))
    for backend, url in urls:
        got = await _measure("db", url, prompts)
        halves.add("claim + record (instant sender)", backend, "-", _per_prompt(got))
    profiled = await _measure("send", "", prompts, transport="aiohttp", profile=True)
    halves.notes.append("send: prompts with their rating keyboard (the largest there are)")
    halves.notes.append("database server CPU (PostgreSQL) is not counted: client side only")
    halves.notes.append("send half with aiohttp, functions with the most own time (cProfile):")
    halves.notes += [f"  {share:5.1%}  {name}" for name, share in profiled["top"]]
    return halves


def _per_prompt(result: dict[str, Any]) -> float:
    return float(result["cpu"]) / int(result["sent"]) * 1e3


def _own_file(url: str) -> str:
    return url.replace("bench.db", "pipeline.db")


async def _measure(
    mode: str,
    url: str,
    prompts: int,
    *,
    transport: str = "aiohttp",
    profile: bool = False,
) -> dict[str, Any]:
    """One probe run in a fresh process, with a fresh database and emulator when needed."""
    if url:
        await build(url, WARM_PEOPLE, People(users=prompts, first_user=WARM + 1))
    args = [f"--mode={mode}", f"--url={url}", f"--transport={transport}",
            f"--prompts={prompts}"]  # fmt: skip
    if profile:
        args.append("--profile")
    if mode == "db":
        return await asyncio.to_thread(run_child, "pipeline_probe.py", *args)
    with emulator_process(chats=WARM + prompts) as emu:
        args += [f"--root-url={emu.root_url}", f"--emulator-pid={emu.pid}"]
        return await asyncio.to_thread(run_child, "pipeline_probe.py", *args)
