"""Serving an aiohttp application on loopback, as the emulator and the test servers do."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from aiohttp import web


async def listen_on_loopback(
    app: web.Application, port: int = 0, **runner_options: Any
) -> tuple[web.AppRunner, str]:
    """Serve `app` on 127.0.0.1 (`port`, or a free one); returns its runner and base URL."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False, **runner_options)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    host, bound = runner.addresses[0][:2]
    return runner, f"http://{host}:{bound}"


class StartStop:
    """`async with server:` means start() on entry and stop() on exit."""

    async def start(self) -> str:
        """Start serving; returns the base URL."""
        raise NotImplementedError

    async def stop(self) -> None:
        """Stop serving."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
