"""Webhook delivery: while a webhook URL is set, pending updates are POSTed to it as Telegram's
Bot API server does, and every attempt is recorded for tests.

The model follows the server's ``WebhookActor``. Updates come from the same queue getUpdates
serves (so ``allowed_updates`` filtering is the same) and go out as JSON, with the
``X-Telegram-Bot-Api-Secret-Token`` header when a secret was set. A 2xx answer confirms one;
any other status, a connection error or a timeout leaves it pending, to be retried after a
doubling backoff, and is reported by getWebhookInfo as ``last_error_date``/``_message``.

Ordering, the emulator's model of the server's per-chat queues: at most one update per chat is
in flight and each chat's updates go out in update_id order; updates of different chats (and
updates that belong to no chat) travel concurrently, at most ``max_connections`` at a time.

A 2xx answer may carry one Bot API call, as Telegram allows ("Making requests when getting
updates"): a JSON body whose ``method`` names it, its parameters beside. It is run like a
request (validated against the spec, recorded with ``carried`` set, so a tally tells it from
the bot's own requests) before the update is confirmed; its result and any error go nowhere,
as on Telegram, where the bot cannot see them. Form-encoded answers are not modelled.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from emulator.state import EmulatorState

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_IDLE = 3600.0
_dumps = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))

# A method call a webhook's answer carried: its name and parameters.
Carried = tuple[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One attempt to deliver an update: the HTTP ``status`` answered, or ``error`` without one.

    ``error`` is what getWebhookInfo reports for a failed attempt (also for a non-2xx status);
    ``at`` is the emulator clock when the attempt ended.
    """

    update_id: int
    chat_id: int | None
    url: str
    status: int | None
    error: str | None
    at: float

    @property
    def ok(self) -> bool:
        """Whether the webhook confirmed the update (a 2xx answer)."""
        return self.error is None


def update_chat_id(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to (its sender's id when it has no chat), if any."""
    for key, payload in update.items():
        if key == "update_id" or not isinstance(payload, dict):
            continue
        inner = payload.get("message")
        for holder in (payload, inner if isinstance(inner, dict) else {}):
            chat = holder.get("chat")
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return int(chat["id"])
        sender = payload.get("from")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            return int(sender["id"])
    return None


def _connect_error(exc: aiohttp.ClientConnectorError) -> str:
    if exc.errno == errno.ECONNREFUSED or "refused" in str(exc).lower():
        return "Connection refused"
    return f"Can't connect to the webhook: {exc.strerror or exc}"


class WebhookDeliverer:
    """Delivers pending updates to the webhook set in an :class:`EmulatorState`."""

    def __init__(
        self,
        state: EmulatorState,
        internal_errors: list[BaseException],
        carry: Callable[[str, dict[str, Any]], Awaitable[None]],
        *,
        timeout: float,
        retry_min: float,
        retry_max: float,
    ) -> None:
        if timeout <= 0 or retry_min <= 0 or retry_max < retry_min:
            raise ValueError("webhook timeout and backoff must be positive, min <= max")
        self.state = state
        self.deliveries: list[WebhookDelivery] = []
        self._internal_errors = internal_errors
        self._carry = carry  # runs a method a webhook's answer carried
        self._timeout = timeout
        self._retry_min = retry_min
        self._retry_max = retry_max
        self._session: aiohttp.ClientSession | None = None
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        # update_id -> (failed attempts, loop time of the next attempt)
        self._retry: dict[int, tuple[int, float]] = {}
        self._settings: dict[str, Any] | None = None

    async def start(self) -> None:
        """Open the HTTP session and start the delivery loop in the running event loop."""
        if self._runner is not None:
            raise RuntimeError("webhook delivery is already running")
        self._stopping = False
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        self._session = aiohttp.ClientSession(timeout=timeout)
        self._runner = asyncio.create_task(self._run(), name="emulator-webhook-loop")

    async def stop(self) -> None:
        """Cancel the loop and the requests in flight (their updates stay pending)."""
        tasks = [self._runner, *self._in_flight.values()] if self._runner else []
        self._runner = None
        # Python 3.11's wait_for can swallow a cancel that races a notification: the flag
        # ends the loop regardless.
        self._stopping = True
        self.state.notifier.notify()
        for task in tasks:
            task.cancel()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        self._internal_errors.extend(
            o
            for o in outcomes
            if isinstance(o, Exception) and not isinstance(o, asyncio.CancelledError)
        )
        self._in_flight.clear()
        self._retry.clear()
        self._settings = None
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def wait_for(
        self,
        predicate: Callable[[WebhookDelivery], bool] | None,
        timeout: float,  # noqa: ASYNC109 - same convention as the emulator's other waits
        after: int | None,
    ) -> WebhookDelivery | None:
        """The first delivery after index ``after`` (default: from now on) that matches."""
        position = len(self.deliveries) if after is None else after

        def find() -> WebhookDelivery | None:
            nonlocal position
            while position < len(self.deliveries):
                delivery = self.deliveries[position]
                position += 1
                if predicate is None or predicate(delivery):
                    return delivery
            return None

        return await self.state.notifier.wait_until(find, timeout)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping:
            await self.state.notifier.wait(self._launch_ready(loop.time()))

    def _launch_ready(self, now: float) -> float:
        """Start every update that may go out now; returns seconds until a retry is due."""
        settings = self.state.webhook
        if settings is not self._settings:
            # setWebhook and deleteWebhook store a new dict: a new webhook is tried at once.
            self._settings = settings
            self._retry.clear()
        url = settings["url"]
        if not url:
            return _IDLE
        wake_in = _IDLE
        busy_chats: set[int] = set()
        for update in self.state.updates:
            if len(self._in_flight) >= settings["max_connections"]:
                break
            chat_id = update_chat_id(update)
            if chat_id is not None:
                if chat_id in busy_chats:
                    continue  # an earlier update of this chat is in flight or waiting
                busy_chats.add(chat_id)
            update_id = int(update["update_id"])
            if update_id in self._in_flight:
                continue
            retry = self._retry.get(update_id)
            if retry is not None and retry[1] > now:
                wake_in = min(wake_in, retry[1] - now)
                continue
            task = asyncio.create_task(
                self._deliver(settings, update, chat_id), name=f"emulator-webhook-{update_id}"
            )
            self._in_flight[update_id] = task
        return wake_in

    async def _deliver(
        self, settings: dict[str, Any], update: dict[str, Any], chat_id: int | None
    ) -> None:
        update_id = int(update["update_id"])
        url = str(settings["url"])
        try:
            status, error, carried = await self._post(url, settings.get("secret_token"), update)
            if carried is not None:
                await self._carry(*carried)
        finally:
            self._in_flight.pop(update_id, None)
        current = settings is self._settings
        if error is None:
            self._retry.pop(update_id, None)
            self.state.forget_update(update_id)
        else:
            if current:  # a replaced webhook's failure does not delay the new one
                failures = self._retry.get(update_id, (0, 0.0))[0] + 1
                delay = min(self._retry_min * 2 ** (failures - 1), self._retry_max)
                self._retry[update_id] = (failures, asyncio.get_running_loop().time() + delay)
            # Into the settings it was sent with: a replaced webhook's error is not reported.
            settings["last_error_date"] = self.state.now()
            settings["last_error_message"] = error
        delivery = WebhookDelivery(update_id, chat_id, url, status, error, self.state.clock())
        self.deliveries.append(delivery)
        self.state.notifier.notify()

    async def _post(
        self, url: str, secret: str | None, update: dict[str, Any]
    ) -> tuple[int | None, str | None, Carried | None]:
        """The status answered (or None) and the error getWebhookInfo would report (None
        for a 2xx answer), and the method call a 2xx answer carried."""
        assert self._session is not None
        headers = {"Content-Type": "application/json"}
        if secret:
            headers[SECRET_HEADER] = secret
        try:
            async with self._session.post(
                url, data=_dumps(update).encode(), headers=headers
            ) as response:
                body = await response.read()
        except TimeoutError:
            return None, "Read timeout expired", None
        except aiohttp.ClientConnectorError as exc:
            return None, _connect_error(exc), None
        except aiohttp.ServerDisconnectedError:
            return None, "Webhook connection closed", None
        except aiohttp.ClientError as exc:
            return None, f"Webhook connection error: {exc or type(exc).__name__}", None
        except Exception as exc:  # the emulator's own fault: reported, and retried like others
            self._internal_errors.append(exc)
            return None, f"Emulator error: {exc!r}", None
        if 200 <= response.status <= 299:
            json_body = response.content_type == "application/json"
            return response.status, None, _carried(body) if json_body else None
        wrong = f"Wrong response from the webhook: {response.status} {response.reason or ''}"
        return response.status, wrong.strip(), None


def _carried(body: bytes) -> Carried | None:
    """The method call a JSON answer carries, if it names one (else it is just an answer)."""
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    if not isinstance(answer, dict) or not isinstance(answer.get("method"), str):
        return None
    params = {key: value for key, value in answer.items() if key != "method"}
    return answer["method"], params
