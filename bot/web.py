"""The HTTP port: /healthz, /readyz and /metrics in both modes, the webhook in webhook mode.

The webhook answers 200 only after the update was handled or dropped as a flood (see
bot.intake), so Telegram delivers again whatever a crash interrupted. A request without the
right secret header gets 403 and is not looked at; the secret is compared in constant time.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from aiohttp import web
from sqlalchemy import text
from telegram import Update

from bot.app import AttuneApp
from bot.intake import UpdateIntake
from bot.metrics import CONTENT_TYPE
from store.stats import active_people

log = logging.getLogger(__name__)

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"

# Readiness asks the database this long at most before calling it unreachable (seconds).
_DB_TIMEOUT: Final = 2.0

# Telegram's updates are small; anything near this is not from Telegram.
_MAX_UPDATE_BYTES: Final = 1 << 20


@dataclass
class Status:
    """What readiness needs to know beyond the database: are updates being taken?"""

    taking_updates: bool = False


def web_application(
    app: AttuneApp, status: Status, intake: UpdateIntake, webhook: tuple[str, str] | None
) -> web.Application:
    """The HTTP routes; `webhook` is (path, secret) in webhook mode, else None."""
    routes = _Routes(app, status, intake)
    server = web.Application(client_max_size=_MAX_UPDATE_BYTES)
    server.router.add_get("/healthz", routes.healthz)
    server.router.add_get("/readyz", routes.readyz)
    server.router.add_get("/metrics", routes.metrics)
    if webhook is not None:
        path, secret = webhook
        routes.secret = secret.encode()
        server.router.add_post(path, routes.webhook)
    return server


class _Routes:
    def __init__(self, app: AttuneApp, status: Status, intake: UpdateIntake) -> None:
        self._app = app
        self._status = status
        self._intake = intake
        self.secret = b""

    async def healthz(self, _request: web.Request) -> web.Response:
        """The process is alive and its event loop answers."""
        return web.Response(text="ok\n")

    async def readyz(self, _request: web.Request) -> web.Response:
        """Ready: taking updates, the database answers, and dispatch ticked lately."""
        problems = []
        if not self._status.taking_updates:
            problems.append("not taking updates (starting or stopping)")
        if not await self._database_answers():
            problems.append("database unreachable")
        if not self._dispatch_is_recent():
            problems.append("dispatch has not run in the last three intervals")
        if problems:
            return web.Response(status=503, text="not ready: " + "; ".join(problems) + "\n")
        return web.Response(text="ready\n")

    async def metrics(self, _request: web.Request) -> web.Response:
        """Prometheus exposition: counts only."""
        services = self._app.bot_data.services

        async def active() -> int:
            async with services.session() as session:
                return await active_people(session, since=services.clock() - timedelta(days=7))

        body = await services.metrics.render(active)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    async def webhook(self, request: web.Request) -> web.Response:
        """One update from Telegram, handled before the answer (so a crash repeats it)."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            return web.Response(status=403)
        if not self._status.taking_updates:
            # Starting or stopping: Telegram (or the proxy) tries again, here or elsewhere.
            return web.Response(status=503)
        try:
            update = Update.de_json(json.loads(await request.read()), self._app.bot)
        except (ValueError, TypeError, KeyError) as error:
            log.warning("webhook: not an update (%s)", type(error).__name__)
            return web.Response(status=400)
        handled = self._intake.accept(update)
        if handled is not None:
            # Handled in its chat's turn, by the intake: a dropped connection does not cut
            # its handlers off half-way, and a stop waits for it (UpdateIntake.finish).
            await asyncio.wait({handled})
            if handled.cancelled():
                return web.Response(status=503)  # stopped first: Telegram sends it again
        return web.Response(text="")

    async def _database_answers(self) -> bool:
        engine = self._app.bot_data.services.engine
        if engine is None:
            return False
        try:
            async with asyncio.timeout(_DB_TIMEOUT), engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as error:  # whatever the driver raises, the answer is "no"
            log.warning("readiness: database check failed (%s)", type(error).__name__)
            return False
        return True

    def _dispatch_is_recent(self) -> bool:
        services = self._app.bot_data.services
        dispatch, interval = services.dispatch, services.settings.tick_seconds
        return dispatch is not None and dispatch.is_current(within=3 * interval)
