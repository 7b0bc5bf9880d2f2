"""Section flood: how long others wait for an answer while one person floods the bot.

For each intake mode (long polling; webhook, the emulator delivering to the bot's own HTTP
port) `flood_probe.py` runs the real `python -m bot run` with Telegram's limits (25
messages a second overall, one a second per chat): 15 people ask for /help again and
again for 15 seconds, without a flood and then while one more person sends 50 texts in
the first 5 seconds. To compare with older code, run the probe with `--source` pointing at
a checkout of it (its figures before this change are in the README).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench_common import Table, run_child
from flood_probe import BYSTANDERS, FLOOD, FLOOD_SECONDS, WINDOW

MODES = ("polling", "webhook")


async def run(work: Path) -> Table:
    """Both modes, without and with a flood: the others' /help latency, and what the
    flooder got."""
    table = Table(
        f"flood: {BYSTANDERS} people ask /help again and again for {WINDOW:.0f} s while one"
        f" person sends {FLOOD} texts in {FLOOD_SECONDS:.0f} s (25/s overall, 1/s per chat)",
        ["mode", "flood", "answers", "p50 ms", "p99 ms", "max ms", "flood answered",
         "kind words"],
    )  # fmt: skip
    for mode in MODES:
        for flood in (False, True):
            args = [f"--mode={mode}", f"--work={work}", *(["--flood"] if flood else [])]
            got = await asyncio.to_thread(run_child, "flood_probe.py", *args)
            latencies = sorted(got["latencies"])
            table.add(
                mode,
                "yes" if flood else "no",
                len(latencies),
                _percentile(latencies, 0.50) * 1e3,
                _percentile(latencies, 0.99) * 1e3,
                latencies[-1] * 1e3,
                got["flood_answered"] if flood else "",
                got["kind_words"] if flood else "",
            )
    table.notes += [
        "latency: from a /help reaching the emulator to the bot's answer reaching it",
        f"flood answered: of the {FLOOD} texts; the others were dropped as they arrived",
        "kind words: the flooder was told 'That's a lot at once...' (once per burst)",
    ]
    return table


def _percentile(ordered: list[float], share: float) -> float:
    """The value below which `share` of the ordered values lie (nearest rank)."""
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
