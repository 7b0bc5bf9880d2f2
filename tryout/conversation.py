"""The conversation: each line the person types becomes what they would do in Telegram
(a message, a pressed button, a shared location) or moves the clock (`/wait`); after each,
the bot's answer is shown once it has handled it, and anything arriving on its own (a
prompt at its time) is shown as it comes."""

from __future__ import annotations

import asyncio
from typing import Final

from prompt_toolkit.formatted_text import StyleAndTextTuples

from emulator import SimulatedUser
from tryout.clock import SimulatedClock
from tryout.terminal import Terminal, fragments, when
from tryout.timeline import TickFailed, Timeline
from tryout.transcript import KeyButton, Transcript
from tryout.waits import wait_target
from tryout.zone import PersonZone

# How long to wait for the bot to handle what the person did before the prompt comes back
# (anything later still shows, above the prompt).
SETTLE_SECONDS: Final = 15.0

HINT = "/wait 1d · /wait 3h · /wait until 22:00 · /quit"
# Before a number or a letter that is to be sent as words, not pressed.
AS_WORDS = "'"
QUIT = frozenset({"/quit", "/exit"})


class Conversation:
    """The person at the terminal, talking to the running bot."""

    def __init__(
        self,
        person: SimulatedUser,
        transcript: Transcript,
        timeline: Timeline,
        clock: SimulatedClock,
        zone: PersonZone,
    ) -> None:
        self._person = person
        self._transcript = transcript
        self._timeline = timeline
        self._clock = clock
        self._zone = zone
        self._showing = asyncio.Lock()
        self.terminal = Terminal(self._toolbar)

    async def run(self) -> None:
        """Take lines until /quit, Ctrl-D or Ctrl-C."""
        watcher = asyncio.create_task(self._keep_showing())
        try:
            while True:
                line = (await self.terminal.read()).strip()
                if line in QUIT:
                    return
                if line:
                    await self._take(line)
        except (EOFError, KeyboardInterrupt):  # Ctrl-D or Ctrl-C at any prompt of ours
            return
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)

    async def _take(self, line: str) -> None:
        """Do what the line asks, then show the bot's answer."""
        if line == "/wait" or line.startswith("/wait "):
            await self._wait(line.removeprefix("/wait"))
            return
        choice = self._transcript.choice(int(line)) if line.isdecimal() else None
        key = next((k for k in self._transcript.keyboard() if k.letter == line.lower()), None)
        if line.startswith(AS_WORDS) and line != AS_WORDS:
            await self._person.send(line.removeprefix(AS_WORDS))
        elif choice is not None:
            await self.terminal.aside(f"(you pressed “{choice.label}”)")
            try:
                await self._person.press(choice.message_id, choice.label)
            except LookupError:
                await self.terminal.aside("That button is not there any more.")
                return
        elif key is not None:
            if not await self._tap(key):
                return
        else:
            await self._person.send(line)
        await self._settled()
        await self._zone.refresh()
        await self.show()

    async def _tap(self, key: KeyButton) -> bool:
        """Tap a reply keyboard button; a location button asks where first."""
        if not key.shares_location:
            await self._person.tap_keyboard(key.label)
            return True
        answer = await self.terminal.read("latitude, longitude (for example 52.52, 13.40) > ")
        place = _coordinates(answer)
        if place is None:
            await self.terminal.aside("That is not a place; nothing was shared.")
            return False
        await self._person.tap_keyboard(key.label, latitude=place[0], longitude=place[1])
        return True

    async def _wait(self, words: str) -> None:
        """Move the clock, showing whatever comes due on the way, each at its time."""
        zone = self._zone.info
        try:
            target = wait_target(words, now=self._clock(), zone=zone)
        except ValueError as error:
            await self.terminal.aside(str(error))
            return
        await self.terminal.aside(f"(waiting until {when(target, zone)})")
        try:
            await self._timeline.run_until(target, after_each=self.show)
        except TickFailed:
            await self.terminal.aside(
                "The bot could not send what was due (its log says why); the clock stopped here."
            )
        await self.terminal.aside(f"(it is {when(self._clock(), self._zone.info)})")

    async def _settled(self) -> None:
        """Wait until the bot has handled everything sent to it: Telegram forgets an update
        once the bot confirms it, and this bot confirms one only after handling it."""
        updates = self._person.state.updates
        await self._person.state.notifier.wait_until(
            lambda: True if not updates else None, SETTLE_SECONDS
        )

    async def show(self) -> None:
        """Print what the bot did since the last time, in order."""
        async with self._showing:
            for shown in self._transcript.news():
                lines = fragments(shown, self._zone.info, self.terminal.width())
                await self.terminal.write(lines)

    async def _keep_showing(self) -> None:
        """Show what arrives while the prompt waits (a prompt at its time, a late answer)."""
        while True:
            await self._person.state.notifier.wait(1.0)
            await self.show()

    def _toolbar(self) -> StyleAndTextTuples:
        now = when(self._clock(), self._zone.info)
        line: StyleAndTextTuples = [("", f" {now} {self._zone.name} │ {HINT}")]
        keys = self._transcript.keyboard()
        if keys:
            labels = "  ".join(f"[{k.letter}] {k.label}" for k in keys)
            line.append(("", f" │ keyboard: {labels}"))
        return line


def _coordinates(text: str) -> tuple[float, float] | None:
    """`52.52, 13.40` as latitude and longitude, or None."""
    parts = text.replace(",", " ").split()
    if len(parts) != 2:
        return None
    try:
        latitude, longitude = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude, longitude
