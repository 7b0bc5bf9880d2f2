"""What every benchmark section shares: the fixed clock, tables, child processes, memory."""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# 22:00 in Berlin: the evening rush every benchmark simulates.
NOW = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
# The emulator only checks the numeric prefix; Settings wants a token-shaped token.
TOKEN = "123456:BENCH-token-0123456789abcdef"
# Chat ids of simulated people start here (user row n has chat CHAT_BASE + n).
CHAT_BASE = 1_000_000


@dataclass
class Table:
    """A fixed-width table, printed as soon as it is complete."""

    title: str
    columns: Sequence[str]
    rows: list[Sequence[object]]
    notes: list[str]

    def __init__(self, title: str, columns: Sequence[str]) -> None:
        self.title, self.columns, self.rows, self.notes = title, columns, [], []

    def add(self, *cells: object) -> None:
        """One row; floats are shown with the precision their size calls for."""
        self.rows.append(cells)

    def print(self) -> None:
        """Print the title, the header, the rows and any notes."""
        text = [[str(c) for c in self.columns], *[[_cell(c) for c in r] for r in self.rows]]
        widths = [max(len(row[i]) for row in text) for i in range(len(self.columns))]
        numeric = [
            all(isinstance(r[i], int | float) for r in self.rows) for i in range(len(widths))
        ]
        print(f"\n== {self.title}")
        for n, row in enumerate(text):
            cells = zip(row, widths, numeric, strict=True)
            print("  ".join(c.rjust(w) if right else c.ljust(w) for c, w, right in cells))
            if n == 0:
                print("  ".join("-" * w for w in widths))
        for note in self.notes:
            print(f"   {note}")
        sys.stdout.flush()


def _cell(value: object) -> str:
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        return f"{value:.1f}" if value >= 10 else f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def free_port() -> int:
    """A loopback port nothing listens on now (for a webhook URL known before the start)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def median(values: Sequence[float]) -> float:
    """The median, for repeated timings."""
    return statistics.median(values)


def rss_mb() -> float:
    """This process's resident memory now, in MB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    """This process's peak resident memory, in MB (VmHWM)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1e3
    raise RuntimeError("no VmHWM in /proc/self/status")


def cpu_seconds_of(pid: int) -> float:
    """User plus system CPU seconds another process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_child(
    script: str, *args: str, timeout: float = 600, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Run `benchmarks/<script> args...` in a fresh interpreter (with `env`, if given, as its
    environment); its last stdout line is JSON."""
    done = subprocess.run(
        [sys.executable, str(HERE / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=None if env is None else dict(env),
    )
    if done.returncode != 0:
        raise RuntimeError(f"{script} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    if done.stderr.strip():
        print(done.stderr.rstrip(), file=sys.stderr)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@dataclass(frozen=True)
class EmulatorProcess:
    """A running emulator process: where it listens and its pid."""

    root_url: str
    pid: int


@contextmanager
def emulator_process(
    chats: int = 0,
    first_chat: int = CHAT_BASE + 1,
    calls_to: Path | None = None,
    *,
    telegram_limits: bool = False,
    stars: int = 0,
) -> Iterator[EmulatorProcess]:
    """The Bot API emulator in its own process on loopback, stopped on exit; with
    `telegram_limits`, Telegram's send limits and paid broadcast from a balance of `stars`."""
    command = [sys.executable, str(HERE / "emulator_process.py"), f"--chats={first_chat}:{chats}"]
    if calls_to is not None:
        command.append(f"--calls-to={calls_to}")
    if telegram_limits:
        command += ["--telegram-limits", f"--stars={stars}"]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        root_url = process.stdout.readline().strip()
        if not root_url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the emulator did not start (said {root_url!r})")
        yield EmulatorProcess(root_url, process.pid)
    finally:
        assert process.stdin is not None
        process.stdin.close()  # its signal to stop (and write the calls)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
