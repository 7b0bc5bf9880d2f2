"""What a test sees of one chat, and the waits that make end-to-end tests race-free.

A chat's *cursor* remembers which bot messages a test has already seen: every user action in
the chat and every message returned by ``wait_for_message`` moves it forward, so
``await sam.send("/start"); await sam.wait_for_message()`` cannot miss a fast reply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.sent import SentMessage, snapshot
from emulator.state import ChatState, EmulatorState, StoredMessage

Predicate = Callable[[SentMessage], bool]


class ChatView:
    """What a test sees of one chat: the bot's messages, keyboards and chat actions."""

    def __init__(self, state: EmulatorState, chat: ChatState) -> None:
        self.state = state
        self.chat_state = chat

    @property
    def chat_id(self) -> int:
        """The chat id."""
        return self.chat_state.id

    @property
    def chat(self) -> dict[str, Any]:
        """The Bot API Chat object."""
        return self.chat_state.chat

    @property
    def messages(self) -> list[SentMessage]:
        """The bot's messages in this chat that still exist, oldest first."""
        return [snapshot(self.chat_id, s) for s in self.chat_state.bot_log if not s.deleted]

    @property
    def last_message(self) -> SentMessage | None:
        """The bot's most recent message that still exists."""
        for stored in reversed(self.chat_state.bot_log):
            if not stored.deleted:
                return snapshot(self.chat_id, stored)
        return None

    @property
    def reply_keyboard(self) -> dict[str, Any] | None:
        """The last ReplyKeyboardMarkup sent here, or None once removed."""
        return self.chat_state.reply_keyboard

    @property
    def chat_actions(self) -> list[str]:
        """Every chat action (``typing`` ...) the bot sent here, in order."""
        return list(self.chat_state.actions)

    def mark(self) -> int:
        """A marker for ``wait_for_message(after=...)``: the number of bot messages so far."""
        return len(self.chat_state.bot_log)

    async def wait_for_message(
        self,
        predicate: Predicate | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline per wait reads best in tests
        after: int | SentMessage | None = None,
    ) -> SentMessage:
        """Wait for a new bot message matching ``predicate`` and return it.

        "New" means after ``after`` (a :meth:`mark` or a message) or, by default, after the
        chat's cursor. Deleted messages are skipped.
        """
        if after is None:
            start = self.chat_state.cursor
        elif isinstance(after, SentMessage):
            start = after.seq
        else:
            start = after
        chat = self.chat_state

        def find() -> SentMessage | None:
            for stored in chat.bot_log[start:]:
                if stored.deleted:
                    continue
                message = snapshot(chat.id, stored)
                if predicate is None or predicate(message):
                    return message
            return None

        found = await self.state.notifier.wait_until(find, timeout)
        if found is None:
            raise TimeoutError(self._explain("no new bot message", timeout, start))
        chat.cursor = max(chat.cursor, found.seq)
        return found

    async def wait_for_edit(
        self,
        message: SentMessage | int,
        timeout: float = 5.0,  # noqa: ASYNC109 - same convention as wait_for_message
    ) -> SentMessage:
        """Wait until the message is edited beyond the version given and return the new one."""
        stored = self.stored(message)
        seen = message.version if isinstance(message, SentMessage) else len(stored.edits)

        def edited() -> SentMessage | None:
            return snapshot(self.chat_id, stored) if len(stored.edits) > seen else None

        found = await self.state.notifier.wait_until(edited, timeout)
        if found is None:
            raise TimeoutError(
                self._explain(f"message {stored.raw['message_id']} was not edited", timeout)
            )
        return found

    def stored(self, message: SentMessage | int) -> StoredMessage:
        """The stored record behind a message snapshot or id (ids are looked up here)."""
        chat = self.chat_state
        if isinstance(message, SentMessage):
            chat = self.state.chat(message.chat_id)
            message = message.message_id
        stored = chat.messages.get(message)
        if stored is None:
            raise LookupError(f"message {message} does not exist in chat {chat.id}")
        return stored

    def _explain(self, what: str, timeout: float, start: int | None = None) -> str:
        recent = self.chat_state.bot_log[-5:]
        seen = " | ".join(
            repr((s.raw.get("text") or s.raw.get("caption") or "<media>")[:80]) for s in recent
        )
        failures = [c for c in self.state.calls[-50:] if c.error_code is not None][-5:]
        failed = " | ".join(f"{c.method}: {c.description}" for c in failures)
        where = "" if start is None else f" (after bot message #{start})"
        return (
            f"{what}{where} in chat {self.chat_id} within {timeout}s. "
            f"Last bot messages: {seen or 'none'}. Recent failed API calls: {failed or 'none'}."
        )

    def _user_message(
        self, sender: dict[str, Any], fields: dict[str, Any], *, deliver: bool = True
    ) -> dict[str, Any]:
        state, chat = self.state, self.chat_state
        raw: dict[str, Any] = {
            "message_id": state.new_message_id(chat),
            "from": sender,
            "chat": chat.chat,
            "date": state.now(),
            **fields,
        }
        state.add_message(chat, raw, from_bot=False)
        chat.cursor = len(chat.bot_log)
        if deliver:
            state.push_update({"message": raw})
        return raw

    def _reply_fields(self, reply_to: SentMessage | int | None) -> dict[str, Any]:
        if reply_to is None:
            return {}
        target = self.stored(reply_to)
        nested = {k: v for k, v in target.raw.items() if k != "reply_to_message"}
        return {"reply_to_message": nested}
