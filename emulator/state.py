"""The emulator's mutable world: chats and their messages, uploaded files, callback queries,
the update queue, recorded calls, injected faults, and the notifier that wakes every waiter.

Nothing here speaks HTTP; method handlers and the simulated users both work on this state.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from emulator.errors import bad_request, forbidden
from emulator.limits import SendLimits

T = TypeVar("T")

# Telegram leaves these out unless a bot asks for them explicitly.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass(frozen=True, slots=True)
class Call:
    """One request the bot made, with its decoded parameters and outcome; ``carried`` when it
    came in a webhook's answer instead of a request of its own."""

    method: str
    params: dict[str, Any]
    ok: bool
    error_code: int | None
    at: float
    description: str | None = None
    result: Any = None
    carried: bool = False


class Notifier:
    """Wakes coroutines waiting for "something changed"; ``notify`` is synchronous."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        """Wake every current waiter."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait(self, seconds: float) -> None:
        """Sleep until the next notification or until ``seconds`` pass."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter, seconds)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)

    async def wait_until(self, check: Callable[[], T | None], within: float) -> T | None:
        """Return the first non-None result of ``check``, or None after ``within`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            await self.wait(remaining)


@dataclass(slots=True)
class StoredMessage:
    """A message in a chat; ``edits`` holds earlier versions, oldest first."""

    raw: dict[str, Any]
    from_bot: bool
    sent_markup: dict[str, Any] | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    seq: int = 0


@dataclass(slots=True)
class ChatState:
    """A chat the bot can talk to, keyed by ``chat["id"]``."""

    chat: dict[str, Any]
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    bot_log: list[StoredMessage] = field(default_factory=list)
    next_message_id: int = 1
    reply_keyboard: dict[str, Any] | None = None
    bot_is_member: bool = True
    actions: list[str] = field(default_factory=list)
    cursor: int = 0

    @property
    def id(self) -> int:
        """The chat id."""
        return int(self.chat["id"])

    @property
    def kind(self) -> str:
        """Chat type: private, group, supergroup or channel."""
        return str(self.chat["type"])


@dataclass(slots=True)
class FileRecord:
    """A file the bot uploaded or referenced; ``media`` is what messages embed for it."""

    file_id: str
    file_unique_id: str
    content: bytes | None
    filename: str | None
    mime_type: str | None
    url: str | None = None
    media: Any = None
    path: str | None = None  # where getFile said it can be downloaded


@dataclass(slots=True)
class CallbackQueryRecord:
    """A pressed button and, once the bot answers, the answerCallbackQuery parameters."""

    id: str
    chat_id: int
    message_id: int
    user_id: int
    data: str | None
    answer: dict[str, Any] | None = None


@dataclass(slots=True)
class Fault:
    """An injected failure for the next ``remaining`` matching requests to a chat."""

    error_code: int
    retry_after: float
    remaining: int
    methods: frozenset[str] | None


class EmulatorState:
    """Everything the emulated Bot API server knows."""

    def __init__(
        self,
        bot_user: dict[str, Any],
        clock: Callable[[], float],
        privacy_mode: bool,
        limits: SendLimits | None = None,
    ) -> None:
        self.bot_user = bot_user
        self.clock = clock
        self.privacy_mode = privacy_mode
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, FileRecord] = {}
        self.file_paths: dict[str, FileRecord] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.updates: collections.deque[dict[str, Any]] = collections.deque()
        self.dropped_updates: list[dict[str, Any]] = []
        self.next_update_id = 1
        self.allowed_updates: frozenset[str] | None = None
        self.poll_generation = 0
        self.webhook: dict[str, Any] = {"url": ""}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.calls: list[Call] = []
        self.faults: dict[int, collections.deque[Fault]] = {}
        self.blocked: set[int] = set()
        # Telegram's overall send limits and paid broadcast (None: not modelled), the
        # bot's Stars balance in billionths, and how many sends it was billed for.
        self.limits = limits
        self.nanostars = 0
        self.billed_messages = 0
        self.closing = False
        self.notifier = Notifier()
        self._file_counter = 0
        self._callback_counter = 0

    def now(self) -> int:
        """Current Unix time as Telegram stamps it on messages."""
        return int(self.clock())

    def record(self, call: Call) -> None:
        """Append a call and wake waiters."""
        self.calls.append(call)
        self.notifier.notify()

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update (assigning the next update_id) unless allowed_updates excludes it."""
        update = {key: value for key, value in update.items() if key != "update_id"}
        stamped = {"update_id": self.next_update_id, **update}
        self.next_update_id += 1
        kinds = set(update)
        allowed = self.allowed_updates
        if (allowed is None and kinds <= OPT_IN_UPDATES) or (
            allowed is not None and not kinds & allowed
        ):
            self.dropped_updates.append(stamped)
            return stamped
        self.updates.append(stamped)
        self.notifier.notify()
        return stamped

    def confirm(self, offset: int) -> None:
        """Forget updates the way getUpdates' ``offset`` confirms them."""
        if offset > 0:
            while self.updates and self.updates[0]["update_id"] < offset:
                self.updates.popleft()
        elif offset < 0:
            while len(self.updates) > -offset:
                self.updates.popleft()

    def forget_update(self, update_id: int) -> None:
        """Forget one update, as a webhook's 2xx answer confirms it."""
        for index, update in enumerate(self.updates):
            if update["update_id"] == update_id:
                del self.updates[index]
                return

    def add_chat(self, chat: dict[str, Any]) -> ChatState:
        """Register a chat (or return the existing one with the same id)."""
        existing = self.chats.get(int(chat["id"]))
        if existing is not None:
            return existing
        state = ChatState(chat=chat)
        self.chats[state.id] = state
        return state

    def chat(self, chat_id: int | str) -> ChatState:
        """Resolve a chat_id parameter (number or @username) or fail like Telegram."""
        if isinstance(chat_id, int):
            found = self.chats.get(chat_id)
            if found is not None:
                return found
        else:
            for candidate in self.chats.values():
                if f"@{candidate.chat.get('username', '')}".lower() == chat_id.lower():
                    return candidate
        raise bad_request("chat not found")

    def writable_chat(self, chat_id: int | str) -> ChatState:
        """Resolve a chat the bot is about to post into, enforcing blocks and membership."""
        chat = self.chat(chat_id)
        if chat.id in self.blocked:
            if chat.kind == "private":
                raise forbidden("bot was blocked by the user")
            raise forbidden(f"bot was kicked from the {chat.kind} chat")
        if not chat.bot_is_member:
            raise forbidden(f"bot is not a member of the {chat.kind} chat")
        return chat

    def add_message(
        self,
        chat: ChatState,
        raw: dict[str, Any],
        *,
        from_bot: bool,
        sent_markup: dict[str, Any] | None = None,
    ) -> StoredMessage:
        """Store a new message (its ``message_id`` must come from ``chat.next_message_id``)."""
        stored = StoredMessage(raw=raw, from_bot=from_bot, sent_markup=sent_markup)
        chat.messages[int(raw["message_id"])] = stored
        if from_bot:
            chat.bot_log.append(stored)
            stored.seq = len(chat.bot_log)
        self.notifier.notify()
        return stored

    def new_message_id(self, chat: ChatState) -> int:
        """Allocate the next message id in ``chat``; ids are shared by all senders."""
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return message_id

    def new_file(
        self, content: bytes | None, filename: str | None, mime_type: str | None, url: str | None
    ) -> FileRecord:
        """Register a file and give it Telegram-looking identifiers."""
        self._file_counter += 1
        number = self._file_counter
        record = FileRecord(
            file_id=f"BQACAgIAAxkDAAI{number:010d}",
            file_unique_id=f"AgAD{number:08d}",
            content=content,
            filename=filename,
            mime_type=mime_type,
            url=url,
        )
        self.files[record.file_id] = record
        return record

    def new_callback_query(
        self, chat_id: int, message_id: int, user_id: int, data: str | None
    ) -> CallbackQueryRecord:
        """Create a callback query record with a unique id."""
        self._callback_counter += 1
        query_id = str(4_000_000_000_000_000_000 + self._callback_counter * 7919)
        record = CallbackQueryRecord(query_id, chat_id, message_id, user_id, data)
        self.callback_queries[query_id] = record
        return record

    def take_fault(self, chat_id: int, method: str) -> Fault | None:
        """Consume one injected fault matching this request, if any."""
        queue = self.faults.get(chat_id)
        if not queue:
            return None
        for fault in queue:
            if fault.methods is None:
                matches = method.startswith(("send", "copy", "forward")) and (
                    method != "sendChatAction"
                )
            else:
                matches = method.lower() in fault.methods
            if matches:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.remove(fault)
                return fault
        return None
