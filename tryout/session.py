"""`attune try` put together: a folder for the database and files, settings that point the
real bot at the emulator, the bot served as `attune run` serves it, and the conversation.

Nothing leaves the machine and no token is needed: the emulator plays Telegram on
loopback. The database is a throwaway SQLite file unless `--db` names one; the notes key
is the development key file beside it (bot.data_key), made on first use.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy.exc import DBAPIError

from bot.app import build_application
from bot.one_line import kind
from bot.runtime import StartFailed, running
from bot.settings import Settings
from emulator import BotApiEmulator
from messages import resolve_locale
from store.crypto import DataKey
from store.db import create_engine, session_factory
from store.simulation import latest_moment, others_than
from tryout.clock import SimulatedClock
from tryout.conversation import HINT, Conversation
from tryout.timeline import Timeline
from tryout.transcript import Transcript
from tryout.zone import PersonZone

# The emulator accepts any token of Telegram's shape; this one reaches nothing else.
TOKEN: Final = "100000001:attune-try-local-emulator-only"
# The person at the terminal: the same in every session, so `--db` goes on with them.
PERSON_ID: Final = 100_001


@dataclass(frozen=True)
class Place:
    """Where a session keeps its database, the bot's log and the files it is sent."""

    database: Path
    log: Path
    files: Path
    throwaway: bool

    @property
    def database_url(self) -> str:
        """The SQLite URL of the database."""
        return f"sqlite+aiosqlite:///{self.database}"


@contextmanager
def place_for(database: Path | None) -> Iterator[Place]:
    """A throwaway folder, removed afterwards; or the folder of `database`, kept."""
    if database is None:
        folder = Path(tempfile.mkdtemp(prefix="attune-try-"))
        try:
            yield Place(folder / "attune.db", folder / "attune.log", folder / "files", True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    database = database.resolve()
    stem, folder = database.stem, database.parent
    yield Place(database, folder / f"{stem}-try.log", folder / f"{stem}-files", False)


def try_settings(place: Place) -> Settings:
    """The settings of `attune run`, except what makes this a local session: the emulator
    instead of Telegram, this place's database and development key file, long polling,
    the health port on any free loopback port, and no limit per chat (the simulated
    clock runs faster than the one Telegram's limit counts in).

    ValueError for a database that holds anyone else: the session's clock and dispatcher
    would act on their prompts (checked before anything is written beside it)."""
    values: dict[str, object] = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        # The emulator's own address replaces this once it listens (see _session).
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1",
        "DATABASE_URL": place.database_url,
        "ATTUNE_DATA_KEY": "",
        "ATTUNE_ENV": "development",
        "ATTUNE_MODE": "polling",
        "ATTUNE_HTTP_HOST": "127.0.0.1",
        "ATTUNE_HTTP_PORT": 0,
        "ATTUNE_CHAT_RATE_LIMIT": 1000,
    }
    settings = Settings(**values)
    if not place.throwaway:
        _refuse_strangers(place)
    return settings


def _refuse_strangers(place: Place) -> None:
    """ValueError unless the database is new or holds only the person at the terminal."""
    try:
        strangers = asyncio.run(_strangers(place.database_url))
    except DBAPIError as error:
        raise ValueError(
            f"{place.database} cannot be opened as a SQLite database ({kind(error)})"
        ) from error
    if strangers:
        raise ValueError(
            f"{place.database} holds other people's conversations (a running bot's"
            " database?); give `attune try --db` a file of its own"
        )


def try_out(settings: Settings, data_key: DataKey, place: Place, *, lang: str) -> int:
    """Run the session until the person leaves; the exit status of `attune try`."""
    place.files.mkdir(mode=0o700, exist_ok=True)
    try:
        status = asyncio.run(_session(settings, data_key, place, lang))
    except KeyboardInterrupt:  # Ctrl-C while the bot was busy: it has stopped cleanly
        status = 0
    if status == 0:
        print(_goodbye(place))
    return status


async def _session(settings: Settings, data_key: DataKey, place: Place, lang: str) -> int:
    clock = SimulatedClock(datetime.now(UTC))
    async with BotApiEmulator(TOKEN, username="attune_try_bot", clock=clock.timestamp) as emu:
        local = settings.model_copy(update={"telegram_api_base_url": emu.root_url})
        app = build_application(local, data_key=data_key, clock=clock)
        try:
            async with running(app):
                services = app.bot_data.services
                assert services.sessions is not None
                async with services.session() as session:
                    resumed = await latest_moment(session)
                if resumed is not None:
                    clock.jump_to(resumed)  # a kept database goes on from where it was
                person = emu.user(PERSON_ID, "You", language_code=lang)
                zone = PersonZone(services.sessions, PERSON_ID)
                await zone.refresh()
                conversation = Conversation(
                    person,
                    Transcript(emu.state, person.chat_id, place.files),
                    Timeline(services, clock),
                    clock,
                    zone,
                )
                for line in _welcome(place, lang):
                    await conversation.terminal.aside(line)
                await conversation.run()
        except StartFailed as error:
            print(f"attune try: the bot cannot start: {error}", file=sys.stderr)
            return 1
    return 0


async def _strangers(database_url: str) -> int:
    """How many people besides the one at the terminal the database holds, asked before the
    bot opens it: its first dispatch tick would send their prompts into the emulator."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            return await others_than(session, telegram_id=PERSON_ID)
    finally:
        await engine.dispose()


def _welcome(place: Place, lang: str) -> list[str]:
    """What this is and how to use it, before the first prompt."""
    kept = (
        "thrown away when you leave; --db PATH keeps one"
        if place.throwaway
        else "kept: `attune try --db` with it goes on from here"
    )
    lines = [
        "Attune, talking to you here through a local stand-in for Telegram:"
        " no token, nothing leaves this machine.",
        f"Database: {place.database} ({kept}).",
        f"Photos and files: {place.files}/   The bot's log: {place.log}",
        "Type as you would in Telegram; start with /start. A number presses the button"
        " shown with it, a letter a keyboard button ('9 sends 9 as words).",
        f"Moving the clock: {HINT}  (or Ctrl-D to leave)",
    ]
    spoken = resolve_locale(lang)
    if spoken != lang.split("-")[0].lower():
        lines.append(f"There are no texts in {lang!r} yet: Attune answers in {spoken!r}.")
    return lines


def _goodbye(place: Place) -> str:
    """The last line."""
    if place.throwaway:
        return "Bye. The throwaway database and files are gone."
    return f"Bye. Everything is kept in {place.database}."
