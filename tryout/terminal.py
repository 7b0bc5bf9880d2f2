"""The terminal side of `attune try`, drawn by prompt_toolkit: a prompt with history, a
toolbar with the simulated time, and the bot's messages printed above the prompt, in order,
whether they answer the person or arrive on their own while the prompt waits."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Callable
from datetime import datetime, tzinfo

from prompt_toolkit import PromptSession
from prompt_toolkit.application import in_terminal
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.renderer import print_formatted_text
from prompt_toolkit.styles import Style

from tryout.transcript import Kind, Shown

STYLE = Style.from_dict(
    {
        "bot": "bold ansicyan",
        "when": "ansibrightblack",
        "choice": "ansiyellow",
        "saved": "ansigreen",
        "aside": "ansibrightblack italic",
        "you": "bold",
    }
)

SPEAKER = "Attune"
PROMPT = "you > "


def when(moment: datetime, zone: tzinfo) -> str:
    """A moment as the person's wall clock shows it: `Fri 27 Nov 22:00`."""
    return f"{moment.astimezone(zone):%a %d %b %H:%M}"


def fragments(shown: Shown, zone: tzinfo, width: int = 80) -> StyleAndTextTuples:
    """One thing the bot did, as styled lines `width` columns wide at most: who and when,
    the words, the choices."""
    stamp = when(shown.at, zone)
    if shown.kind is Kind.NOTE:
        heading = f" · {stamp} · a note over the chat: "
        return [("class:bot", SPEAKER), ("class:when", heading), ("", f"{shown.text}\n")]
    if shown.kind is Kind.REMOVED:
        noun = "message" if shown.removed == 1 else "messages"
        line = f" · {stamp} · removed {shown.removed} {noun} from the chat\n"
        return [("class:bot", SPEAKER), ("class:when", line)]
    heading = " · changed a message" if shown.kind is Kind.EDIT else ""
    lines: StyleAndTextTuples = [("class:bot", SPEAKER), ("class:when", f" · {stamp}{heading}\n")]
    if shown.buttons_only:
        lines.append(("class:aside", "  (only its buttons changed)\n"))
    elif shown.text:
        lines.append(("", wrapped(shown.text, width)))
    lines += [("class:choice", f"  [{c.number}] {c.label}\n") for c in shown.choices]
    if shown.keyboard:
        keys = "  ".join(f"[{k.letter}] {k.label}" for k in shown.keyboard)
        lines.append(("class:choice", f"  keyboard: {keys}\n"))
    if shown.saved is not None:
        lines.append(("class:saved", f"  saved to {shown.saved}\n"))
    return lines


def wrapped(text: str, width: int) -> str:
    """Text indented under its heading, each line wrapped between words (a terminal would
    cut words at its edge); blank lines kept."""
    return "".join(
        textwrap.fill(
            line,
            max(width, 20),
            initial_indent="  ",
            subsequent_indent="  ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        + "\n"
        for line in text.splitlines()
    )


class Terminal:
    """Reads the person's lines and prints above the prompt, one print at a time."""

    def __init__(self, toolbar: Callable[[], StyleAndTextTuples]) -> None:
        self._session: PromptSession[str] = PromptSession(
            history=InMemoryHistory(),
            bottom_toolbar=toolbar,
            refresh_interval=1.0,  # the simulated time in the toolbar moves on
            style=STYLE,
        )
        self._printing = asyncio.Lock()

    async def read(self, prompt: str = PROMPT) -> str:
        """The next line typed; EOFError on Ctrl-D, KeyboardInterrupt on Ctrl-C."""
        return await self._session.prompt_async([("class:you", prompt)])

    def width(self) -> int:
        """How many columns a line may take (one less than the terminal's: no wrap)."""
        return self._session.output.get_size().columns - 1

    async def write(self, lines: StyleAndTextTuples) -> None:
        """Print above the prompt (or plainly while no prompt is shown)."""
        async with self._printing, in_terminal():
            output = self._session.output
            print_formatted_text(output, lines, STYLE)
            output.flush()

    async def aside(self, text: str) -> None:
        """A line from `attune try` itself, not from the bot."""
        await self.write([("class:aside", f"{text}\n")])
