"""Serving: open everything, take updates (long polling or webhook), stop cleanly.

Stopping (SIGTERM or SIGINT) happens in the order that loses nothing, within 10 seconds:
readiness turns to 503 and no new update is taken; the updates taken and the dispatch
tick in flight finish together (the tick claims nothing more, finishes and records its
sends, and releases what it claimed but did not send; updates not handled in time stay
unconfirmed, so Telegram sends them again); polling confirms what was handled; then the
scheduler, the Bot API connections and the database close. A webhook stays registered, so
Telegram keeps the updates that arrive meanwhile for whichever replica is up, or for the
restart.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web
from sqlalchemy.exc import DBAPIError
from telegram.error import InvalidToken, NetworkError

from bot.app import (
    AttuneApp,
    build_application,
    close_services,
    open_services,
    stop_services,
    update_intake,
)
from bot.intake import ALLOWED_UPDATES, Poller
from bot.one_line import kind
from bot.settings import Settings
from bot.web import Status, web_application
from messages.resources import ResourcesError
from store.crypto import DataKey
from store.keyring import KeyringProblem

log = logging.getLogger(__name__)

# What finishing updates and sends in flight may take, of the 10 seconds a stop has.
STOP_WITHIN: Final = 7.0


class StartFailed(Exception):
    """The bot could not start for a reason an operator can fix; the message says how."""


def serve(settings: Settings, data_key: DataKey) -> int:
    """Run until SIGTERM or SIGINT; the exit status of `attune run`."""
    try:
        return asyncio.run(_serve(build_application(settings, data_key=data_key)))
    except StartFailed as error:
        log.error("attune cannot start: %s", error)
        return 1


async def _serve(app: AttuneApp) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with running(app) as runtime:
        settle_heap()
        waits: set[asyncio.Future[Any]] = {asyncio.ensure_future(stop.wait())}
        if runtime.polling is not None:
            waits.add(runtime.polling)
        done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for waiting in pending:
            waiting.cancel()
        if runtime.polling in done:
            # Polling ends by itself only on an error it cannot retry (a refused token).
            error = runtime.polling.exception()
            log.error("attune stopped taking updates: %s", type(error).__name__)
            return 1
        log.info("attune is stopping")
    log.info("attune stopped")
    return 0


def settle_heap() -> None:
    """Collect what starting left behind, and keep what is still alive out of the garbage
    collector's full passes from now on.

    A started bot holds over 100,000 objects (libraries, texts, caches) that live as long
    as the process, and every full collection walked them all again: about 125 ms each,
    two of them per 5,000 prompts sent at full speed (`make bench`, section pipeline).
    Frozen once (`gc.freeze`), they are not walked again; what is made later is collected
    as before. Only `attune run` calls this: tests start many bots in one process.
    """
    gc.collect()
    gc.freeze()


@dataclass
class Runtime:
    """A running bot: its HTTP port, and in polling mode the task that polls."""

    port: int
    polling: asyncio.Task[None] | None


@asynccontextmanager
async def running(app: AttuneApp) -> AsyncIterator[Runtime]:
    """The bot serving in the mode its settings ask for; leaving the block stops it."""
    settings = app.bot_data.services.settings
    status = Status()
    intake = update_intake(app)
    webhook = None
    if settings.mode == "webhook":
        assert settings.webhook_secret is not None
        webhook = (settings.webhook_path(), settings.webhook_secret.get_secret_value())
    # The HTTP port opens first, so /healthz answers while the database migrates.
    runner = web.AppRunner(
        web_application(app, status, intake, webhook),
        access_log=None,  # a line per scrape and per update is noise, not information
        shutdown_timeout=1.0,  # requests in flight were waited for already (see below)
    )
    await runner.setup()
    try:
        await _start(app, runner, settings)
        poller, polling = None, None
        if webhook is None:
            await app.bot.delete_webhook()  # one left from webhook mode would stop polling
            poller = Poller(app.bot, intake)
            polling = asyncio.create_task(poller.run())
        else:
            await app.bot.set_webhook(
                settings.webhook_url or "",
                secret_token=webhook[1],
                allowed_updates=list(ALLOWED_UPDATES),
                # Each request is held until its update is handled (a reply may wait its
                # chat's turn), so let Telegram keep as many in flight as it allows.
                max_connections=100,
            )
        status.taking_updates = True
        port = _bound_port(runner)
        log.info(
            "attune is running (%s mode, HTTP on %s:%d)", settings.mode, settings.http_host, port
        )
        try:
            yield Runtime(port=port, polling=polling)
        finally:
            status.taking_updates = False
            if poller is not None:
                poller.stop()
            await asyncio.gather(
                _stopped(polling),
                intake.finish(within=STOP_WITHIN),
                stop_services(app, within=STOP_WITHIN),
            )
            if poller is not None:
                await poller.confirm()
    finally:
        await stop_services(app, within=0)  # after a failed start; a no-op otherwise
        if app.running:
            await app.stop()
        await app.shutdown()
        await close_services(app)
        await runner.cleanup()


async def _start(app: AttuneApp, runner: web.AppRunner, settings: Settings) -> None:
    """Open the port, reach Telegram, check the help lines and open the database; the usual
    failures in plain words."""
    host, port = settings.http_host, settings.http_port
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:
        raise StartFailed(
            f"cannot listen on {host}:{port} ({error.strerror});"
            " set ATTUNE_HTTP_PORT to a free port"
        ) from error
    try:
        await app.initialize()  # getMe
    except InvalidToken as error:
        raise StartFailed("Telegram does not accept TELEGRAM_BOT_TOKEN") from error
    except NetworkError as error:
        raise StartFailed(f"cannot reach the Bot API ({kind(error)})") from error
    try:
        await open_services(app)
    except ResourcesError as error:
        raise StartFailed(
            f"{error}; fix the file, or point ATTUNE_CRISIS_RESOURCES at a good one"
        ) from error
    except KeyringProblem as error:
        raise StartFailed(str(error)) from error
    except (DBAPIError, OSError) as error:
        raise StartFailed(
            f"cannot open the database ({type(error).__name__});"
            " check DATABASE_URL and ATTUNE_KEYRING_URL"
        ) from error
    await app.start()


async def _stopped(polling: asyncio.Task[None] | None) -> None:
    """Wait for the polling task to end (its poll is abandoned at once); a refused token
    was reported already by _serve."""
    if polling is not None:
        await asyncio.gather(polling, return_exceptions=True)


def _bound_port(runner: web.AppRunner) -> int:
    """The port actually bound (ATTUNE_HTTP_PORT=0 asks the system for a free one)."""
    for site in runner.sites:
        server = getattr(site, "_server", None)
        if server is not None and server.sockets:
            port: int = server.sockets[0].getsockname()[1]
            return port
    raise RuntimeError("the HTTP port is not open")
