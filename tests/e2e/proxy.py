"""A round-robin reverse proxy on loopback: the load balancer in front of several bot replicas.

Each request goes to the next target in turn. A target that refuses the connection never saw
the request, so the next one is tried (nginx's ``proxy_next_upstream error``); once a request
has been sent, its outcome is final: an upstream error or timeout is answered 502 or 504.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from emulator.loopback import StartStop, listen_on_loopback

# Headers about one connection, not the message (RFC 9110 7.6.1), plus those aiohttp recomputes.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)


def _end_to_end(headers: CIMultiDictProxy[str]) -> CIMultiDict[str]:
    """The headers a proxy passes on: hop-by-hop ones and those named in Connection dropped."""
    named = {token.strip().lower() for token in headers.get("Connection", "").split(",")}
    dropped = _HOP_BY_HOP | named
    return CIMultiDict((k, v) for k, v in headers.items() if k.lower() not in dropped)


class RoundRobinProxy(StartStop):
    """Forwards every request to the next of ``targets`` (base URLs like http://127.0.0.1:8123).

    ``counts[target]`` is how many requests a target was sent; ``refused[target]`` how many
    times connecting to it failed, so the request went to the next target.
    """

    def __init__(self, targets: Sequence[str], *, timeout: float = 60.0) -> None:
        if not targets:
            raise ValueError("a proxy needs at least one target")
        self.targets = [target.rstrip("/") for target in targets]
        self.counts = dict.fromkeys(self.targets, 0)
        self.refused = dict.fromkeys(self.targets, 0)
        self.url = ""
        self._timeout = timeout
        self._next = 0
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> str:
        """Listen on 127.0.0.1 (a free port); returns and sets ``url``."""
        if self._runner is not None:
            raise RuntimeError("the proxy is already running")
        # A fresh connection per request: a stopped replica then refuses the connection
        # instead of failing a request sent over a stale pooled one.
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=True),
            timeout=aiohttp.ClientTimeout(total=self._timeout),
            auto_decompress=False,
        )
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner, self.url = await listen_on_loopback(app, shutdown_timeout=1.0)
        return self.url

    async def stop(self) -> None:
        """Stop listening and close the upstream connections."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        """Send ``request`` to the next target that accepts a connection; answer what it says."""
        body = await request.read()
        headers = _end_to_end(request.headers)
        try:
            return await self._try_targets(request.method, request.raw_path, body, headers)
        except TimeoutError:
            return web.Response(status=504, text="the upstream timed out")
        except aiohttp.ClientError as exc:
            return web.Response(status=502, text=f"the upstream failed: {exc!r}")

    async def _try_targets(
        self, method: str, path: str, body: bytes, headers: CIMultiDict[str]
    ) -> web.Response:
        assert self._session is not None
        first = self._next
        self._next = (first + 1) % len(self.targets)
        for step in range(len(self.targets)):
            target = self.targets[(first + step) % len(self.targets)]
            url = URL(target + path, encoded=True)
            try:
                async with self._session.request(
                    method, url, data=body, headers=headers, allow_redirects=False
                ) as upstream:
                    content = await upstream.read()
            except aiohttp.ClientConnectorError:
                self.refused[target] += 1
                continue
            except (aiohttp.ClientError, TimeoutError):
                self.counts[target] += 1  # sent: the outcome is final, never retried
                raise
            self.counts[target] += 1
            return web.Response(
                status=upstream.status,
                reason=upstream.reason,
                body=content,
                headers=_end_to_end(upstream.headers),
            )
        return web.Response(status=502, text="no upstream accepted the connection")
