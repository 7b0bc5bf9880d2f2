"""One Bot API request, end to end: decode it the way Telegram does, validate it against the
spec, apply injected faults and blocks, then Telegram's send limits when they are modelled
(emulator.limits), run the emulated method (or answer ``True`` for spec methods that only
ever return ``True``), record the call and write Telegram's JSON answer. A method a webhook's
answer carried (emulator.webhook) goes the same way, recorded as carried, answered to no one.
"""

from __future__ import annotations

import asyncio
import functools
import json
import traceback
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from aiohttp import web

from emulator import (  # noqa: F401  (they register handlers)
    bot_methods,
    file_methods,
    message_methods,
)
from emulator.errors import ApiError, bad_request, forbidden
from emulator.limits import PAID_MESSAGE_NANOSTARS
from emulator.registry import HANDLERS
from emulator.spec import Method, load_spec
from emulator.state import Call, EmulatorState
from emulator.validate import UploadedFile, Validator

_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_GUARDED_PREFIXES = ("send", "copy", "forward", "edit")
_PAID = "allow_paid_broadcast"
_dumps = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


@functools.cache
def validator() -> Validator:
    """The validator for the bundled spec, built once per process."""
    return Validator(load_spec())


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if not request.body_exists:
        return raw, files
    if request.content_type == "application/json":
        try:
            body = json.loads(await request.read() or b"{}")
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(body, dict):
            raise bad_request("JSON object expected")
        raw.update(body)
    elif request.content_type in _FORM_TYPES:
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                content = value.file.read()
                files[key] = UploadedFile(value.filename, value.content_type, content)
            elif isinstance(value, str):
                raw[key] = value
            else:
                raw[key] = bytes(value).decode("utf-8", "replace")
    return raw, files


class Dispatcher:
    """Answers requests for one bot token against one :class:`EmulatorState`."""

    def __init__(self, token: str, state: EmulatorState) -> None:
        self.token = token
        self.state = state
        self.internal_errors: list[BaseException] = []

    def gate(self, method: str, params: dict[str, Any]) -> None:
        """Refuse the request if the target chat blocked the bot or a fault is due."""
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            return
        if chat_id in self.state.blocked and method.lower().startswith(_GUARDED_PREFIXES):
            self.state.writable_chat(chat_id)
        fault = self.state.take_fault(chat_id, method)
        if fault is None:
            return
        if fault.error_code == 429:
            wait = fault.retry_after
            seconds = int(wait) if float(wait).is_integer() else wait
            raise ApiError(
                429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds}
            )
        if fault.error_code == 403:
            raise forbidden("bot was blocked by the user")
        try:
            phrase = HTTPStatus(fault.error_code).phrase
        except ValueError:
            phrase = "Error"
        raise ApiError(fault.error_code, phrase)

    async def download(self, request: web.Request) -> web.Response:
        """Serve ``{root}/file/bot{token}/{file_path}``: the bytes of a file getFile named."""
        content = None
        if request.match_info["token"] == self.token:
            content = file_methods.download(self.state, request.match_info["path"])
        if content is None:
            body = {"ok": False, "error_code": 404, "description": "Not Found"}
            return web.json_response(body, status=404, dumps=_dumps)
        return web.Response(body=content, content_type="application/octet-stream")

    def admit(self, method: Method, params: dict[str, Any]) -> bool:
        """Apply Telegram's overall send limits, when modelled, to a send method (one that
        takes allow_paid_broadcast); True when this send is to be billed."""
        limits = self.state.limits
        if limits is None or _PAID not in method.fields:
            return False
        return limits.admit(
            paid_allowed=params.get(_PAID) is True, balance_nanostars=self.state.nanostars
        )

    async def handle(self, request: web.Request) -> web.Response:
        """Serve ``{root}/bot{token}/{method}``."""
        body, status = await self._run(
            request.match_info["method"],
            functools.partial(_read_params, request),
            authorized=request.match_info["token"] == self.token,
        )
        return web.json_response(body, status=status, dumps=_dumps)

    async def carried(self, name: str, params: dict[str, Any]) -> None:
        """Run a method a webhook's answer carried, like a request, recorded as carried.
        Its outcome goes nowhere: Telegram tells the bot neither result nor error."""

        async def read() -> tuple[dict[str, Any], dict[str, UploadedFile]]:
            return params, {}

        await self._run(name, read, authorized=True, carried=True)

    async def _run(
        self,
        name: str,
        read: Callable[[], Awaitable[tuple[dict[str, Any], dict[str, UploadedFile]]]],
        *,
        authorized: bool,
        carried: bool = False,
    ) -> tuple[dict[str, Any], int]:
        """One method call, recorded; the JSON answer and its HTTP status."""
        method = load_spec().method(name)
        canonical = method.name if method is not None else name
        params: dict[str, Any] = {}
        at = self.state.clock()

        def record(ok: bool, code: int | None, said: str | None, result: Any = None) -> None:
            self.state.record(Call(canonical, params, ok, code, at, said, result, carried))

        try:
            if not authorized:
                raise ApiError(401, "Unauthorized")
            if method is None:
                raise ApiError(404, "Not Found")
            raw, files = await read()
            params = {**raw, **files}
            params = validator().params(method, raw, files)
            self.gate(method.name, params)
            billed = self.admit(method, params)
            handler = HANDLERS.get(method.name.lower())
            if handler is not None:
                result = await handler(self.state, method, params)
            elif method.returns_true:
                result = True
            else:
                raise bad_request("method not emulated")
            if billed:  # only a send that went through is paid for
                self.state.nanostars -= PAID_MESSAGE_NANOSTARS
                self.state.billed_messages += 1
        except ApiError as err:
            record(False, err.error_code, err.description)
            return err.payload(), err.error_code
        except asyncio.CancelledError:
            record(False, None, "client disconnected before the answer")
            raise
        except Exception as exc:
            self.internal_errors.append(exc)
            description = (
                "Internal Server Error: " + "".join(traceback.format_exception_only(exc)).strip()
            )
            record(False, 500, description)
            return {"ok": False, "error_code": 500, "description": description}, 500
        record(True, None, None, result)
        return {"ok": True, "result": result}, 200
