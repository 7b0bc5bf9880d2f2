"""The updates section's child process: the emulator's people drive one real `attune run`.

    python benchmarks/updates_probe.py --url URL --mode polling --people 2000 --work DIR

Starts the Bot API emulator in this process and `python -m bot run` (the real process:
settings from its environment, rate limits out of reach) as a child of its own, so the
bot's CPU and memory are its own. The dispatcher sends everyone's prompt (discreet: one
Open button); then, one phase at a time, every person does the same thing at once: taps
Open, then rates the practice 4, then writes a note. A phase is measured from its first
update to the bot's last reply, once every update is confirmed (polling: the next offset
asked for; webhook: answered 200): wall time, the bot process's CPU time and its peak RSS
during the phase, this process's CPU (emulator and people), the Bot API calls the bot
made, and the updates whose handler failed (the bot then says "Something went wrong"; its
log names the error's type). Prints one JSON line; the bot's log is DIR/bot-<mode>.log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bench_common import CHAT_BASE, TOKEN, cpu_seconds_of, free_port
from bench_data import keyring_url
from sqlalchemy import text

from emulator import BotApiEmulator, SimulatedUser
from messages import render
from store.crypto import new_key
from store.db import create_engine

PHASES = ("open", "rate", "note")
NOTE = "A quiet evening; I slept better after."
SECRET = "bench-webhook-secret-0123456789abcdef"
_OPEN_BUTTON = re.compile(r"""["']open:(\d+)["']""")
_FAILED = re.compile(r"handler failed: (\w+)")


def bot_env(root_url: str, url: str, mode: str) -> dict[str, str]:
    """The environment of the bot process: ours, minus any settings of Attune's own."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "ATTUNE_", "LOG_")) and k != "DATABASE_URL"
    }
    port = free_port()
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=root_url,
        DATABASE_URL=url,
        ATTUNE_DATA_KEY=new_key(),
        ATTUNE_KEYRING_URL=keyring_url(url),
        ATTUNE_HTTP_HOST="127.0.0.1",
        ATTUNE_HTTP_PORT=str(port),
        # Out of reach, as in the pipeline section: the bot's own cost shows, not Telegram's.
        ATTUNE_RATE_LIMIT="1000000",
        ATTUNE_CHAT_RATE_LIMIT="1000",
        ATTUNE_MODE=mode,
    )
    if mode == "webhook":
        env.update(
            ATTUNE_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/updates",
            ATTUNE_WEBHOOK_SECRET=SECRET,
        )
    return env


@asynccontextmanager
async def running_bot(
    emu: BotApiEmulator, env: dict[str, str], work: Path, log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m bot run` (the real process) against the started emulator, its log in `log`.

    On leaving: the bot is stopped (SIGTERM) and must exit cleanly, then the emulator is
    stopped and must have answered every request without an error of its own.
    """
    try:
        with log.open("wb") as stderr:
            bot = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=env, cwd=work,
                stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
            )  # fmt: skip
        try:
            yield bot
        finally:
            if bot.returncode is None:
                bot.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(bot.wait(), 30)
        if code != 0:
            last_words = log.read_text()[-3000:]  # noqa: ASYNC240 - the run is over
            raise RuntimeError(f"the bot exited with {code}:\n{last_words}")
    finally:
        await emu.stop()
    if emu.internal_errors:
        raise RuntimeError(f"the emulator failed: {emu.internal_errors[0]!r}")


async def until(condition: Callable[[], object], seconds: float, what: str) -> None:
    """Wait until `condition()` holds (checked every 5 ms), or fail after `seconds`."""
    try:
        async with asyncio.timeout(seconds):
            while not condition():  # noqa: ASYNC110 - the emulator's state has no event
                await asyncio.sleep(0.005)
    except TimeoutError:
        raise RuntimeError(f"timed out after {seconds} s waiting for {what}") from None


def prompts_sent(emu: BotApiEmulator) -> dict[int, tuple[int, int]]:
    """Per chat, the prompt message's id and the prompt's id (from its Open button)."""
    found = {}
    for call in emu.calls_to("sendMessage"):
        match = _OPEN_BUTTON.search(str(call.params.get("reply_markup", "")))
        if call.ok and match is not None:
            found[int(call.params["chat_id"])] = (call.result["message_id"], int(match[1]))
    return found


def reset_peak_rss(pid: int) -> None:
    """Start the process's peak RSS (VmHWM) afresh from its current RSS."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_rss_mb_of(pid: int) -> float:
    """Another process's peak resident memory, in MB (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1e3
    raise RuntimeError(f"no VmHWM for process {pid}")


async def act(person: SimulatedUser, phase: str, prompt: tuple[int, int]) -> None:
    """One person's update for the phase."""
    message_id, prompt_id = prompt
    if phase == "open":
        await person.press(message_id, callback_data=f"open:{prompt_id}")
    elif phase == "rate":
        await person.press(message_id, callback_data=f"r:{prompt_id}:4")
    else:
        await person.send(NOTE)


async def run_phase(
    emu: BotApiEmulator,
    pid: int,
    phase: str,
    people: list[SimulatedUser],
    prompts: dict[int, tuple[int, int]],
) -> dict[str, Any]:
    """Everyone's update for `phase` at once; figures from the first to the bot's last reply."""
    first_call, first_tap = len(emu.calls), len(emu.state.callback_queries)
    reset_peak_rss(pid)
    cpu, own, started = cpu_seconds_of(pid), time.process_time(), time.time()
    for person in people:
        await act(person, phase, prompts[person.user_id])
    await until(lambda: not emu.state.updates, 300, f"the {phase} updates to be handled")
    cpu, own = cpu_seconds_of(pid) - cpu, time.process_time() - own
    calls = [c for c in emu.calls[first_call:] if c.method != "getUpdates"]
    refused = [c for c in calls if not c.ok]
    if refused:
        raise RuntimeError(f"{phase}: the emulator refused {len(refused)} calls: {refused[0]}")
    sorry = render("error_generic", "en")
    failed = sum(1 for c in calls if c.method == "sendMessage" and c.params["text"] == sorry)
    taps = list(emu.state.callback_queries.values())[first_tap:]
    unanswered = sum(1 for tap in taps if tap.answer is None)
    if unanswered > failed:  # a tap that neither worked nor failed visibly
        raise RuntimeError(f"{phase}: {unanswered} taps unanswered, {failed} failures")
    wall = max(c.at for c in calls) - started
    return {
        "phase": phase,
        "updates": len(people),
        "wall": wall,
        "cpu": cpu,
        "emulator_cpu": own,
        "peak_rss_mb": peak_rss_mb_of(pid),
        # Requests only: an answer a webhook's 200 carried (bot.webhook_reply) is none.
        "calls": dict(Counter(c.method for c in calls if not c.carried)),
        "failed": failed,
    }


async def stored_counts(url: str) -> dict[str, int]:
    """Check-ins and notes in the database, to show every update did its work."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            counts = {}
            for table in ("check_ins", "notes"):
                rows = await conn.execute(text(f"SELECT count(*) FROM {table}"))
                counts[table] = int(rows.scalar_one())
            return counts
    finally:
        await engine.dispose()


async def probe(args: argparse.Namespace) -> dict[str, Any]:
    """Start the emulator and the bot, wait for the prompts, run the phases, stop."""
    emu = BotApiEmulator(TOKEN)
    people = [emu.user(CHAT_BASE + n) for n in range(1, args.people + 1)]
    await emu.start()
    log = args.work / f"bot-{args.mode}.log"
    env = bot_env(emu.root_url, args.url, args.mode)
    async with running_bot(emu, env, args.work, log) as bot:
        await until(lambda: len(prompts_sent(emu)) >= args.people, 120, "every prompt")
        prompts = prompts_sent(emu)
        phases = [await run_phase(emu, bot.pid, p, people, prompts) for p in PHASES]
    errors = Counter(_FAILED.findall(log.read_text()))
    return {"phases": phases, "stored": await stored_counts(args.url), "errors": errors}


def main() -> None:
    """Parse the arguments, measure, print one JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--mode", choices=("polling", "webhook"), default="polling")
    parser.add_argument("--people", type=int, required=True)
    parser.add_argument("--work", type=Path, required=True)
    print(json.dumps(asyncio.run(probe(parser.parse_args()))))


if __name__ == "__main__":
    main()
