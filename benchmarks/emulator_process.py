"""The Bot API emulator in a process of its own, so the bot's CPU is measured alone.

    python benchmarks/emulator_process.py --chats 1000001:5000 [--calls-to calls.json]
        [--telegram-limits --stars 20000]

Registers COUNT private chats with ids from FIRST, prints the emulator's root URL as one
line on stdout, and serves on loopback until its stdin is closed. Then, if asked, writes
every recorded call as JSON: [method, chat_id, at (Unix seconds), ok, paid]. With
--telegram-limits it keeps Telegram's send limits and paid broadcast (emulator.limits),
paid from a balance of --stars.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bench_common import TOKEN

from emulator import BotApiEmulator


async def serve(
    first: int, count: int, calls_to: Path | None, *, limits: bool, stars: int
) -> None:
    """Serve until stdin closes (the parent's signal to stop)."""
    emu = BotApiEmulator(TOKEN, telegram_limits=limits)
    emu.star_balance = stars
    for chat_id in range(first, first + count):
        emu.user(chat_id)
    await emu.start()
    print(emu.root_url, flush=True)
    await asyncio.to_thread(sys.stdin.read)
    await emu.stop()
    if calls_to is not None:
        write_calls(emu, calls_to)


def write_calls(emu: BotApiEmulator, path: Path) -> None:
    """Every recorded call as [method, chat_id, at, ok, paid], one JSON list (paid: sent
    with allow_paid_broadcast)."""
    rows = [
        [
            c.method,
            c.params.get("chat_id"),
            c.at,
            c.ok,
            c.params.get("allow_paid_broadcast") is True,
        ]
        for c in emu.calls
    ]
    path.write_text(json.dumps(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", default="1:0", help="FIRST:COUNT private chat ids")
    parser.add_argument("--calls-to", type=Path, default=None)
    parser.add_argument("--telegram-limits", action="store_true")
    parser.add_argument("--stars", type=int, default=0, help="the bot's Stars balance")
    args = parser.parse_args()
    first, count = (int(part) for part in args.chats.split(":"))
    asyncio.run(serve(first, count, args.calls_to, limits=args.telegram_limits, stars=args.stars))


if __name__ == "__main__":
    main()
