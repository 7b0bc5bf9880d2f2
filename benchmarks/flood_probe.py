"""The flood section's child process: others ask for /help while one person floods the bot.

    python benchmarks/flood_probe.py --mode polling --work DIR [--flood] [--source CHECKOUT]

Starts the Bot API emulator in this process and `python -m bot run` (the real process) as a
child, with Telegram's limits as Attune keeps them by default: 25 messages a second overall,
one a second per chat. BYSTANDERS people each send /help, wait for the answer and a moment
more (past their own chat's one second), and ask again, for WINDOW seconds; with --flood,
one more person sends 50 texts in the first 5 seconds of that window, and the bot is stopped
once all of them were answered or dropped. A /help's latency runs from its update reaching
the emulator to the bot's answer reaching it. --source runs the
bot from another checkout (an older commit, to compare). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any

from bench_common import CHAT_BASE, TOKEN
from updates_probe import bot_env, running_bot, until

from emulator import BotApiEmulator, SimulatedUser
from messages import render

BYSTANDERS = 15
WINDOW = 15.0  # seconds of asking: the flood's 5 and the 10 its answers take at most
FLOOD, FLOOD_SECONDS = 50, 5.0
FLOODER = CHAT_BASE  # the bystanders are CHAT_BASE + 1 ...


async def ask_again_and_again(
    emu: BotApiEmulator, person: SimulatedUser, until_t: float, rng: random.Random
) -> list[float]:
    """/help, its answer, a pause past the chat's own pace (a second); again, until `until_t`."""
    help_text = render("help", "en")
    latencies = []
    await asyncio.sleep(rng.uniform(0.0, 1.5))  # people do not ask in step
    while time.time() < until_t:
        asked = emu.state.clock()
        await person.send("/help")
        await person.wait_for_message(lambda m: m.text == help_text, timeout=120)
        answered = min(
            call.at
            for call in emu.calls_to("sendMessage")
            if call.params["chat_id"] == person.chat_id and call.at >= asked
        )
        latencies.append(answered - asked)
        await asyncio.sleep(rng.uniform(1.0, 2.0))
    return latencies


async def flood(person: SimulatedUser) -> None:
    """FLOOD texts, evenly over FLOOD_SECONDS."""
    started = time.monotonic()
    for n in range(FLOOD):
        await asyncio.sleep(max(0.0, started + n * FLOOD_SECONDS / FLOOD - time.monotonic()))
        await person.send(f"hello {n}")


async def probe(args: argparse.Namespace) -> dict[str, Any]:
    """Start the emulator and the bot, warm up, ask and flood, stop."""
    emu = BotApiEmulator(TOKEN)
    flooder = emu.user(FLOODER)
    people = [emu.user(CHAT_BASE + n) for n in range(1, BYSTANDERS + 1)]
    await emu.start()
    url = f"sqlite+aiosqlite:///{args.work / f'flood-{args.mode}.db'}"
    env = bot_env(emu.root_url, url, args.mode)
    env.update(ATTUNE_RATE_LIMIT="25", ATTUNE_CHAT_RATE_LIMIT="1")
    if args.source is not None:
        env["PYTHONPATH"] = str(args.source)
    log = args.work / f"bot-flood-{args.mode}.log"
    async with running_bot(emu, env, args.work, log):
        ready = "getUpdates" if args.mode == "polling" else "setWebhook"
        await until(lambda: emu.calls_to(ready), 60, "the bot to take updates")
        rng = random.Random(13)
        until_t = time.time() + 1.5  # warm up: everyone once, unmeasured
        await asyncio.gather(*(ask_again_and_again(emu, p, until_t, rng) for p in people))
        until_t = time.time() + WINDOW
        flooding = asyncio.create_task(flood(flooder) if args.flood else asyncio.sleep(0))
        latencies = await asyncio.gather(
            *(ask_again_and_again(emu, p, until_t, rng) for p in people)
        )
        await flooding
        # The rest of the flood, answered in its chat's turn or dropped: Telegram holds
        # nothing more (an update is confirmed once handled).
        await until(lambda: not emu.pending_updates, 60, "the flood to be taken")
    flood_replies = [
        call.params["text"]
        for call in emu.calls_to("sendMessage")
        if call.params["chat_id"] == FLOODER
    ]
    slow_down = render("flood_slow_down", "en")
    return {
        "latencies": [x for person in latencies for x in person],
        "flood_answered": sum(1 for text in flood_replies if text != slow_down),
        "kind_words": flood_replies.count(slow_down),
    }


def main() -> None:
    """Parse the arguments, measure, print one JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=("polling", "webhook"), default="polling")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--flood", action="store_true")
    parser.add_argument("--source", type=Path, help="run the bot from this checkout")
    print(json.dumps(asyncio.run(probe(parser.parse_args()))))


if __name__ == "__main__":
    main()
