"""An aiohttp transport for python-telegram-bot: `AiohttpRequest`, a `BaseRequest`.

PTB's default transport (httpx) costs several times more client CPU per request than
aiohttp on the same loopback server; `make bench` measures both (section "pipeline").
Use one instance for ordinary requests and another for the long poll, as PTB does:

    builder.request(AiohttpRequest())
    builder.get_updates_request(AiohttpRequest(connection_pool_size=1))

Parameters go as one JSON object of the values PTB encodes (each JSON-encoded, or a plain
string): the Bot API reads a JSON body's string values exactly as it reads form fields, and
encoding one costs a tenth of urlencoding it, which escapes a keyboard's JSON character by
character in Python (a tenth of a prompt's send). Uploads go as multipart/form-data, as
PTB's `HTTPXRequest` sends them. Like httpx
(which follows none unless told to), it follows no redirect: the Bot API never sends one,
and whatever does (a captive portal, a misconfigured proxy) is not where the token goes.
Its errors name the failure's type, never its text, which can quote the URL and so the token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Final

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_JSON: Final = {"Content-Type": "application/json"}


class RedirectRefused(NetworkError):
    """The Bot API answered with a redirect, which is not followed."""


class AiohttpRequest(BaseRequest):
    """Sends Bot API requests through one pooled `aiohttp.ClientSession`.

    Timeouts mean what they mean for `HTTPXRequest`. aiohttp has no write timeout of its
    own (its read timeout starts once the body is sent), so a request as a whole is also
    bounded by the sum of the four: a stalled upload ends too. The environment's proxy
    variables are not read (aiohttp would look them up in a thread on every request);
    pass `proxy` instead.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_on_error",
        "_pool_size",
        "_pool_timeout",
        "_proxy",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 64,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        proxy: str | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._proxy = proxy
        # Told of each failed request: its HTTP status, or "timeout" / "network".
        self._on_error = on_error or (lambda code: None)
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The read timeout used when a request passes none (PTB adds a long poll's to it)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (inside the running loop, as aiohttp requires)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                timeout=aiohttp.ClientTimeout(),
                trust_env=False,
            )

    async def shutdown(self) -> None:
        """Close the session and its connections; `initialize` opens a new one."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One HTTP request; timeouts raise `TimedOut`, other failures `NetworkError`."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        has_files = request_data is not None and request_data.contains_files
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._media_write_timeout if has_files else self._write_timeout
        timeout = _client_timeout(
            read=self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout,
            write=write_timeout,
            connect=(
                self._connect_timeout
                if isinstance(connect_timeout, DefaultValue)
                else connect_timeout
            ),
            pool=self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout,
        )
        data, headers = _body(request_data)
        try:
            async with session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=timeout,
                proxy=self._proxy,
                allow_redirects=False,
            ) as response:
                body = await response.read()
        except TimeoutError as error:  # aiohttp's timeout errors all derive from it
            self._on_error("timeout")
            raise TimedOut from error
        except aiohttp.ClientError as error:
            self._on_error("network")
            raise NetworkError(f"aiohttp.{type(error).__name__}") from error
        if response.status >= 300:
            self._on_error(str(response.status))
        if 300 <= response.status < 400:
            # PTB would quote the body in its error, and a redirect's body quotes the URL.
            raise RedirectRefused(f"the Bot API answered {response.status}, a redirect")
        return response.status, body


def _body(
    request_data: RequestData | None,
) -> tuple[aiohttp.FormData | bytes | None, dict[str, str] | None]:
    """The request body: a JSON object of PTB's encoded values; multipart with files."""
    if request_data is None:
        return None, None
    fields = request_data.json_parameters
    if not request_data.contains_files:
        if not fields:
            return None, None
        return json.dumps(fields, ensure_ascii=False).encode(), _JSON
    form = aiohttp.FormData(fields)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form, None


@lru_cache(maxsize=64)
def _client_timeout(
    *, read: float | None, write: float | None, connect: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    """aiohttp's timeouts for PTB's four: `connect` covers waiting for the pool too."""
    parts = (read, write, connect, pool)
    return aiohttp.ClientTimeout(
        total=None if None in parts else sum(p for p in parts if p is not None),
        connect=None if connect is None or pool is None else connect + pool,
        sock_connect=connect,
        sock_read=read,
    )
