"""The HTTP port: /healthz, /readyz and /metrics in both modes, the webhook in webhook mode.

The webhook answers 200 only after the update was handled or dropped as a flood (see
bot.intake), so Telegram delivers again whatever a crash interrupted. A request without the
right secret header gets 403 and is not looked at; the header's raw bytes are compared in
constant time. A body that is not an update (bot.webhook_body) gets 400 and one log line.
The 200 for a button press carries its first answer, as Telegram allows (bot.webhook_reply);
a 503 carries nothing, and the answer comes when Telegram sends the update again.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from aiohttp import web
from sqlalchemy import text

from bot.app import AttuneApp
from bot.intake import UpdateIntake
from bot.metrics import CONTENT_TYPE
from bot.webhook_body import MAX_BYTES, NotAnUpdate, parse_update
from bot.webhook_reply import ReplySlot
from store.stats import active_people

log = logging.getLogger(__name__)

SECRET_HEADER: Final = b"x-telegram-bot-api-secret-token"

# Readiness asks the database this long at most before calling it unreachable (seconds).
_DB_TIMEOUT: Final = 2.0
# ... and at most once this often (seconds): a scraper or a load balancer asking many times
# a second shares one answer instead of taking a connection each time.
_DB_ANSWER_KEPT: Final = 1.0


@dataclass
class Status:
    """What readiness needs to know beyond the database: are updates being taken?"""

    taking_updates: bool = False


def web_application(
    app: AttuneApp, status: Status, intake: UpdateIntake, webhook: tuple[str, str] | None
) -> web.Application:
    """The HTTP routes; `webhook` is (path, secret) in webhook mode, else None."""
    routes = _Routes(app, status, intake)
    server = web.Application(client_max_size=MAX_BYTES)
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
        self._database_check: asyncio.Future[bool] | None = None
        self._database_checked_at = 0.0

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
        if not self._has_secret(request):
            return web.Response(status=403)
        if not self._status.taking_updates:
            # Starting or stopping: Telegram (or the proxy) tries again, here or elsewhere.
            return web.Response(status=503)
        try:
            update = parse_update(await _body(request), self._app.bot)
        except NotAnUpdate as error:
            log.warning("webhook: not an update (%s)", error)
            return web.Response(status=400)
        reply = ReplySlot.for_update(update)
        try:
            handled = self._intake.accept(update, reply)
            if handled is not None:
                # Handled in its chat's turn, by the intake: a dropped connection does not
                # cut its handlers off half-way, and a stop waits for it (UpdateIntake.finish).
                await asyncio.wait({handled})
        finally:
            # Closed whatever happens: an answer made after this one goes as a request.
            carried = reply.take() if reply is not None else None
        if handled is not None and handled.cancelled():
            return web.Response(status=503)  # stopped first: Telegram sends it again
        if carried is not None:
            return web.json_response(carried)
        return web.Response(text="")

    def _has_secret(self, request: web.Request) -> bool:
        """Exactly one secret header, equal byte for byte (the bytes as they arrived: a
        header that is not UTF-8 is simply wrong, not an error)."""
        given = [value for name, value in request.raw_headers if name.lower() == SECRET_HEADER]
        return len(given) == 1 and hmac.compare_digest(given[0], self.secret)

    async def _database_answers(self) -> bool:
        """The database's answer, asked at most once per _DB_ANSWER_KEPT: requests in the
        meantime share the answer (or the question in flight)."""
        now = time.monotonic()
        if self._database_check is None or now - self._database_checked_at >= _DB_ANSWER_KEPT:
            self._database_checked_at = now
            self._database_check = asyncio.ensure_future(self._ask_database())
        # Shielded: a client that hangs up does not cancel the others' answer.
        return await asyncio.shield(self._database_check)

    async def _ask_database(self) -> bool:
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


async def _body(request: web.Request) -> bytes:
    """The request body, up to MAX_BYTES (aiohttp stops reading past it)."""
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge as error:
        raise NotAnUpdate(f"over {MAX_BYTES} bytes") from error
