"""`attune try` in a pseudo-terminal, read back as a person reads it: the text the terminal
shows, without its control codes."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pexpect

# Terminal control: CSI sequences (colours, cursor moves, erasing), character set and
# keypad switches, and carriage returns (prompt_toolkit redraws its lines with them).
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]|\r")
# A bot message's first line: who and when.
HEADER = re.compile(r"Attune · (\w{3} \d{2} \w{3} \d{2}:\d{2})")
PROMPT = "you >"  # its last space is drawn as a cursor move


def try_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a new user's shell: no Attune settings, no token, and a terminal
    without cursor-position replies (pexpect does not answer them)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "ATTUNE_")) and k != "DATABASE_URL"
    }
    # Throwaway folders go under tmp_path, so a test can see that none is left behind.
    env.update(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", TMPDIR=str(tmp_path))
    return env


class Screen:
    """`attune try ARGS` running in a pseudo-terminal, typed into and read back."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "bot", "try", *args],
            env=try_env(tmp_path),
            cwd=str(tmp_path),
            dimensions=(60, 240),
            encoding="utf-8",
            codec_errors="replace",
        )
        self._raw = ""
        self.text = ""  # everything shown so far, control codes removed
        self.mark = 0  # where the next expect() starts looking

    def expect(self, wanted: str, timeout: float = 20.0) -> str:
        """Wait until `wanted` is shown after the mark; returns what was shown from the
        mark to the end of it, and moves the mark there."""
        deadline = time.monotonic() + timeout
        while (found := self.text.find(wanted, self.mark)) < 0:
            left = deadline - time.monotonic()
            if left <= 0 or not self.child.isalive():
                self._read(0.2)  # whatever is left to read
                if (found := self.text.find(wanted, self.mark)) >= 0:
                    break
                raise AssertionError(f"{wanted!r} not shown; after the mark:\n{self.since()}")
            self._read(min(left, 0.5))
        end = found + len(wanted)
        shown, self.mark = self.text[self.mark : end], end
        return shown

    def since(self, mark: int | None = None) -> str:
        """What was shown after `mark` (default: the current mark)."""
        return self.text[self.mark if mark is None else mark :]

    def number_of(self, label: str, since: int = 0) -> str:
        """The number shown last with a button labelled `label` (after `since`)."""
        numbers = re.findall(rf"\[(\d+)\] {re.escape(label)}\n", self.text[since:])
        assert numbers, f"no button {label!r} shown; recently:\n{self.text[-2000:]}"
        return str(numbers[-1])

    def type(self, line: str) -> None:
        """Wait for the prompt (a line typed while the bot still answers may be lost, as
        in any terminal program), then type a line and press Enter."""
        self.expect(PROMPT)
        self.child.sendline(line)

    def press(self, key: str) -> None:
        """At the prompt, press Ctrl and `key` (d: leave, c: interrupt)."""
        self.expect(PROMPT)
        self.child.sendcontrol(key)

    def finish(self, timeout: float = 20.0) -> int:
        """Wait for the process to end; its exit status."""
        deadline = time.monotonic() + timeout
        while self.child.isalive() and time.monotonic() < deadline:
            self._read(0.5)
        self._read(0.2)
        self.child.close()
        status = self.child.exitstatus
        assert status is not None, f"ended by signal {self.child.signalstatus}"
        return int(status)

    def _read(self, timeout: float) -> None:
        try:
            self._raw += self.child.read_nonblocking(1 << 16, timeout=timeout)
        except (pexpect.TIMEOUT, pexpect.EOF):
            return
        # Stripped as a whole: a control sequence may be split between two reads.
        self.text = _CONTROL.sub("", self._raw)
