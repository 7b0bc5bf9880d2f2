"""A webhook endpoint on loopback for tests: records what arrives, how many requests overlap
(overall and per chat), and answers as scripted."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from emulator.loopback import listen_on_loopback


@dataclass(frozen=True, slots=True)
class Received:
    """One request as the endpoint saw it."""

    path_qs: str
    headers: dict[str, str]
    body: Any
    status: int


def chat_of(update: dict[str, Any]) -> int | None:
    """The chat of a message-like or callback-query update (None for other kinds)."""
    for key, payload in update.items():
        if key != "update_id" and isinstance(payload, dict):
            holder = payload.get("message", payload)
            if "chat" in holder:
                return int(holder["chat"]["id"])
    return None


def free_port() -> int:
    """A loopback port nobody listens on (right now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Receiver:
    """Answers ``answers`` in turn, then ``status``; ``fail_once`` update ids get one 500 first.

    ``delays`` holds the first requests ``delay`` seconds each, then ``delay`` applies.
    ``carry`` holds JSON bodies (a method call, or anything) answered in turn, whatever the
    status; then the answer is plain text.
    """

    def __init__(
        self,
        *,
        answers: Sequence[int] = (),
        status: int = 200,
        delay: float = 0.0,
        delays: Sequence[float] = (),
        fail_once: Iterable[int] = (),
        carry: Sequence[Any] = (),
    ) -> None:
        self.answers = list(answers)
        self.status = status
        self.delay = delay
        self.delays = list(delays)
        self.fail_once = set(fail_once)
        self.carry = list(carry)
        self.received: list[Received] = []
        self.active = 0
        self.peak = 0
        self.overlaps: list[int] = []
        self.arrived = asyncio.Event()
        self.url = ""
        self._chats_in_flight: set[int] = set()
        self._runner: web.AppRunner | None = None

    @property
    def update_ids(self) -> list[int]:
        """The update_id of every request received, in arrival order."""
        return [r.body["update_id"] for r in self.received]

    async def start(self, port: int = 0) -> str:
        """Listen on 127.0.0.1 (``port``, or a free one); returns and sets ``url``."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner, self.url = await listen_on_loopback(
            app, port, shutdown_timeout=0.1, handler_cancellation=True
        )
        return self.url

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        update_id = body.get("update_id")
        chat = chat_of(body)
        self.arrived.set()
        self.active += 1
        self.peak = max(self.peak, self.active)
        if chat is not None:
            if chat in self._chats_in_flight:
                self.overlaps.append(update_id)
            self._chats_in_flight.add(chat)
        try:
            delay = self.delays.pop(0) if self.delays else self.delay
            if delay:
                await asyncio.sleep(delay)
        finally:
            self.active -= 1
            if chat is not None:
                self._chats_in_flight.discard(chat)
        status = self.answers.pop(0) if self.answers else self.status
        if update_id in self.fail_once:
            self.fail_once.discard(update_id)
            status = 500
        self.received.append(Received(request.path_qs, dict(request.headers), body, status))
        if self.carry:
            return web.json_response(self.carry.pop(0), status=status)
        return web.Response(status=status, text="ok" if status < 300 else "no")
