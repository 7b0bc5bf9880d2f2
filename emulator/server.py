"""The emulator's public face: :class:`BotApiEmulator` serves the Bot API on loopback,
delivers updates to a webhook when one is set, and hands tests simulated people, recorded
calls and deliveries, waits and fault injection.
"""

from __future__ import annotations

import collections
import json
import time
from collections.abc import Callable, Collection, Iterable
from decimal import Decimal
from typing import Any

from aiohttp import web

from emulator.dispatch import Dispatcher
from emulator.limits import NANOSTARS_PER_STAR, SendLimits
from emulator.loopback import StartStop, listen_on_loopback
from emulator.people import SimulatedGroup, SimulatedUser
from emulator.state import Call, EmulatorState, Fault
from emulator.tally import Tally, tally
from emulator.webhook import WebhookDeliverer, WebhookDelivery


class BotApiEmulator(StartStop):
    """A local Telegram Bot API server plus the simulated people who talk to the bot.

    ``webhook_timeout`` bounds one webhook delivery; a failed one is retried after
    ``webhook_retry_min`` seconds, doubling per failure up to ``webhook_retry_max``.
    ``telegram_limits`` models Telegram's overall send limits and paid broadcast
    (emulator.limits); off, as most tests send faster than Telegram would take on purpose.
    """

    def __init__(
        self,
        token: str = "123456:TEST-token",
        *,
        first_name: str = "Attune",
        username: str = "attune_test_bot",
        privacy_mode: bool = True,
        clock: Callable[[], float] = time.time,
        webhook_timeout: float = 30.0,
        webhook_retry_min: float = 0.05,
        webhook_retry_max: float = 1.0,
        telegram_limits: bool = False,
    ) -> None:
        prefix = token.split(":", 1)[0]
        if not prefix.isdigit():
            raise ValueError("a bot token starts with the bot's numeric id")
        self.token = token
        bot_user = {"id": int(prefix), "is_bot": True, "first_name": first_name}
        bot_user["username"] = username
        limits = SendLimits() if telegram_limits else None
        self.state = EmulatorState(bot_user, clock, privacy_mode, limits)
        self.root_url = ""
        self._dispatcher = Dispatcher(token, self.state)
        self._webhook = WebhookDeliverer(
            self.state,
            self._dispatcher.internal_errors,
            self._dispatcher.carried,
            timeout=webhook_timeout,
            retry_min=webhook_retry_min,
            retry_max=webhook_retry_max,
        )
        self._runner: web.AppRunner | None = None
        self._users: dict[int, SimulatedUser] = {}
        self._groups: dict[int, SimulatedGroup] = {}

    async def start(self) -> str:
        """Start serving on 127.0.0.1 (ephemeral port); returns and sets ``root_url``."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._dispatcher.handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._dispatcher.download)
        # Cancelling handlers of vanished clients ends an abandoned long poll right away, so
        # the bot's next getUpdates does not "terminate" it with a spurious 409.
        self._runner, self.root_url = await listen_on_loopback(
            app, shutdown_timeout=1.0, handler_cancellation=True
        )
        self.state.closing = False
        await self._webhook.start()
        return self.root_url

    async def stop(self) -> None:
        """Release pending long polls, stop webhook delivery and shut the server down."""
        self.state.closing = True
        self.state.notifier.notify()
        await self._webhook.stop()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    @property
    def base_url(self) -> str:
        """What to pass to PTB's ``ApplicationBuilder().base_url(...)``."""
        return f"{self.root_url}/bot"

    @property
    def internal_errors(self) -> list[BaseException]:
        """Exceptions raised inside the emulator itself (answered as HTTP 500); should be empty."""
        return self._dispatcher.internal_errors

    @property
    def bot_user(self) -> dict[str, Any]:
        """The bot's User object as it appears in messages."""
        return self.state.bot_user

    @property
    def calls(self) -> list[Call]:
        """Every request received, in order."""
        return self.state.calls

    @property
    def errors(self) -> list[Call]:
        """The calls answered with an error (abandoned calls have no error_code: excluded)."""
        return [call for call in self.state.calls if call.error_code is not None]

    def tally(
        self, chat_ids: int | Collection[int], *, after: int = 0, before: int | None = None
    ) -> Tally:
        """What the bot's calls for these chats cost, from call index ``after`` on (up to
        ``before``): how many requests, how many methods rode in webhook answers, and how
        many of all were messages (sends and edits) against Telegram's limits."""
        chats = {chat_ids} if isinstance(chat_ids, int) else chat_ids
        return tally(self.state, chats, after=after, before=before)

    @property
    def star_balance(self) -> Decimal:
        """The bot's Telegram Stars balance (what getMyStarBalance answers)."""
        return Decimal(self.state.nanostars) / NANOSTARS_PER_STAR

    @star_balance.setter
    def star_balance(self, stars: Decimal | int | str) -> None:
        self.state.nanostars = int(Decimal(stars) * NANOSTARS_PER_STAR)

    @property
    def billed_messages(self) -> int:
        """Sends billed 0.1 Stars each for going past the free limit (telegram_limits)."""
        return self.state.billed_messages

    def calls_to(self, method: str) -> list[Call]:
        """The calls to one method (case-insensitive)."""
        lower = method.lower()
        return [call for call in self.state.calls if call.method.lower() == lower]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued and not yet confirmed by the bot."""
        return list(self.state.updates)

    @property
    def webhook(self) -> dict[str, Any]:
        """The stored webhook settings (``url`` is empty when none is set)."""
        return dict(self.state.webhook)

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every attempt to deliver an update to a webhook, in the order they ended."""
        return self._webhook.deliveries

    async def wait_for_delivery(
        self,
        predicate: Callable[[WebhookDelivery], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - same convention as the chat waits
        after: int | None = None,
    ) -> WebhookDelivery:
        """Wait for a webhook delivery attempt made after index ``after`` (default: from now)."""
        found = await self._webhook.wait_for(predicate, timeout, after)
        if found is None:
            raise TimeoutError(f"no matching webhook delivery within {timeout}s")
        return found

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The bot commands set for a scope and language (default scope if omitted)."""
        key = json.dumps(scope or {"type": "default"}, sort_keys=True), language_code
        return list(self.state.commands.get(key, []))

    def file_content(self, file_id: str) -> bytes | None:
        """The bytes uploaded for ``file_id`` (None for URLs or unknown ids)."""
        record = self.state.files.get(file_id)
        return None if record is None else record.content

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """The answerCallbackQuery parameters for a query, if it was answered."""
        return self.state.callback_queries[query_id].answer

    def user(
        self,
        user_id: int,
        first_name: str = "User",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        is_premium: bool | None = None,
    ) -> SimulatedUser:
        """A simulated person with a private chat (chat id == user id); same id, same object."""
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        extra = {"last_name": last_name, "username": username}
        person: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        person.update({k: v for k, v in extra.items() if v is not None})
        if language_code is not None:
            person["language_code"] = language_code
        if is_premium:
            person["is_premium"] = True
        chat: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
        chat.update({k: v for k, v in extra.items() if v is not None})
        simulated = SimulatedUser(self.state, self.state.add_chat(chat), person)
        self._users[user_id] = simulated
        return simulated

    def group(
        self,
        chat_id: int,
        title: str = "Group",
        *,
        username: str | None = None,
        kind: str | None = None,
    ) -> SimulatedGroup:
        """A group chat the bot is a member of; ``-100…`` ids are supergroups by default."""
        existing = self._groups.get(chat_id)
        if existing is not None:
            return existing
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        kind = kind or ("supergroup" if str(chat_id).startswith("-100") else "group")
        chat: dict[str, Any] = {"id": chat_id, "type": kind, "title": title}
        if username is not None:
            chat["username"] = username
        simulated = SimulatedGroup(self.state, self.state.add_chat(chat))
        self._groups[chat_id] = simulated
        return simulated

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update; its ``update_id`` is assigned here. Returns the stamped update."""
        return self.state.push_update(update)

    def fail_next(
        self,
        chat_id: int,
        error_code: int = 429,
        retry_after: float = 2,
        count: int = 1,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Make the next ``count`` sends to ``chat_id`` fail (429 flood wait, 5xx, 403 ...).

        ``methods`` limits which methods count; by default every ``send*``/``copy*``/
        ``forward*`` method except sendChatAction. Telegram's ``retry_after`` is whole
        seconds; a fraction is an emulator-only shortcut that keeps rate-limiter tests fast.
        """
        chosen = None if methods is None else frozenset(m.lower() for m in methods)
        fault = Fault(error_code, retry_after, count, chosen)
        self.state.faults.setdefault(chat_id, collections.deque()).append(fault)

    def block(self, chat_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot (or kicks it): sends and edits get 403 until unblocked.

        Like Telegram, a private chat's block also yields a ``my_chat_member`` update.
        """
        if chat_id not in self.state.blocked:
            self.state.blocked.add(chat_id)
            if notify:
                self._member_update(chat_id, "member", "kicked")

    def unblock(self, chat_id: int, *, notify: bool = True) -> None:
        """Undo :meth:`block` (the user restarted the bot)."""
        if chat_id in self.state.blocked:
            self.state.blocked.discard(chat_id)
            if notify:
                self._member_update(chat_id, "kicked", "member")

    def _member_update(self, chat_id: int, old: str, new: str) -> None:
        person = self._users.get(chat_id)
        if person is None:
            return

        def member(status: str) -> dict[str, Any]:
            extra = {"until_date": 0} if status == "kicked" else {}
            return {"user": self.state.bot_user, "status": status, **extra}

        change = {
            "chat": person.chat,
            "from": person.user,
            "date": self.state.now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        self.state.push_update({"my_chat_member": change})

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - same convention as the chat waits
        after: int | None = None,
    ) -> Call:
        """Wait for a call to ``method`` made after index ``after`` (default: from now on)."""
        lower = method.lower()
        calls = self.state.calls
        position = len(calls) if after is None else after

        def find() -> Call | None:
            nonlocal position
            while position < len(calls):
                call = calls[position]
                position += 1
                if call.method.lower() == lower and (predicate is None or predicate(call)):
                    return call
            return None

        found = await self.state.notifier.wait_until(find, timeout)
        if found is None:
            raise TimeoutError(f"no matching {method} call within {timeout}s")
        return found
