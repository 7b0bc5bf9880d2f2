"""Simulated people and groups: the actors a test uses to talk to the bot."""

from __future__ import annotations

from typing import Any

from emulator.chat_view import ChatView
from emulator.formatting import command_entities, commands_in
from emulator.media import document
from emulator.sent import SentMessage
from emulator.state import ChatState, EmulatorState, StoredMessage
from emulator.validate import UploadedFile


async def _press(
    view: ChatView,
    presser: SimulatedUser,
    message: SentMessage | int,
    text: str | None,
    callback_data: str | None,
) -> str:
    stored = view.stored(message)
    if stored.deleted:
        raise LookupError(f"message {stored.raw['message_id']} was deleted")
    if callback_data is None:
        callback_data = _button_data(stored, text)
    state = view.state
    chat = state.chat(int(stored.raw["chat"]["id"]))
    record = state.new_callback_query(
        chat.id, int(stored.raw["message_id"]), presser.user_id, callback_data
    )
    query = {
        "id": record.id,
        "from": presser.user,
        "message": stored.raw,
        # Stable per chat, as Telegram's is; the value itself carries no meaning.
        "chat_instance": str((chat.id * 2654435761) % (1 << 62)),
        "data": callback_data,
    }
    chat.cursor = len(chat.bot_log)
    state.push_update({"callback_query": query})
    return record.id


def _button_data(stored: StoredMessage, text: str | None) -> str:
    if text is None:
        raise TypeError("press() needs a button text or callback_data=")
    rows = (stored.raw.get("reply_markup") or {}).get("inline_keyboard", [])
    labels = [button["text"] for row in rows for button in row]
    for row in rows:
        for button in row:
            if button["text"] == text:
                if "callback_data" not in button:
                    raise ValueError(f"button {text!r} has no callback_data: {button}")
                return str(button["callback_data"])
    raise LookupError(f"no inline button {text!r} on message; buttons: {labels}")


class SimulatedUser(ChatView):
    """A person in a private chat with the bot (chat id == user id)."""

    def __init__(self, state: EmulatorState, chat: ChatState, user: dict[str, Any]) -> None:
        super().__init__(state, chat)
        self.user = user

    @property
    def user_id(self) -> int:
        """The user's id."""
        return int(self.user["id"])

    async def send(
        self, text: str, *, reply_to: SentMessage | int | None = None
    ) -> dict[str, Any]:
        """Send a text message to the bot; commands get a ``bot_command`` entity."""
        fields: dict[str, Any] = {"text": text, **self._reply_fields(reply_to)}
        entities = command_entities(text)
        if entities:
            fields["entities"] = entities
        return self._user_message(self.user, fields)

    async def send_location(
        self, latitude: float, longitude: float, **location: Any
    ) -> dict[str, Any]:
        """Share a location (extra Location fields such as ``live_period`` pass through)."""
        place = {"latitude": latitude, "longitude": longitude, **location}
        return self._user_message(self.user, {"location": place})

    async def send_raw_message(self, **fields: Any) -> dict[str, Any]:
        """Send a message with arbitrary fields merged in (stickers, photos, contacts ...)."""
        return self._user_message(self.user, fields)

    async def send_document(
        self,
        content: bytes,
        filename: str,
        *,
        caption: str | None = None,
        mime_type: str = "application/octet-stream",
    ) -> dict[str, Any]:
        """Send a file; the bot can fetch its bytes with getFile. A command in the caption
        gets a ``bot_command`` caption entity, as Telegram's clients attach."""
        fields: dict[str, Any] = {
            "document": document(self.state, UploadedFile(filename, mime_type, content))
        }
        if caption is not None:
            fields["caption"] = caption
            entities = command_entities(caption)
            if entities:
                fields["caption_entities"] = entities
        return self._user_message(self.user, fields)

    async def tap_keyboard(
        self, text: str, *, latitude: float | None = None, longitude: float | None = None
    ) -> dict[str, Any]:
        """Tap a reply-keyboard button: sends its text, or a location for request_location."""
        keyboard = self.chat_state.reply_keyboard
        if keyboard is None:
            raise LookupError("the bot has not shown a reply keyboard here")
        for row in keyboard["keyboard"]:
            for button in row:
                if button["text"] != text:
                    continue
                if button.get("request_location"):
                    if latitude is None or longitude is None:
                        raise TypeError(f"button {text!r} shares a location: pass coordinates")
                    return await self.send_location(latitude, longitude)
                return await self.send(text)
        labels = [b["text"] for row in keyboard["keyboard"] for b in row]
        raise LookupError(f"no keyboard button {text!r}; buttons: {labels}")

    async def press(
        self,
        message: SentMessage | int,
        text: str | None = None,
        *,
        callback_data: str | None = None,
        as_user: SimulatedUser | None = None,
    ) -> str:
        """Press an inline button (by text, or forge ``callback_data``); returns the query id."""
        return await _press(self, as_user or self, message, text, callback_data)

    async def wait_for_callback_answer(
        self,
        query_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109 - same convention as wait_for_message
    ) -> dict[str, Any]:
        """Wait for the bot's answerCallbackQuery for ``query_id`` and return its parameters."""
        record = self.state.callback_queries[query_id]
        answer = await self.state.notifier.wait_until(lambda: record.answer, timeout)
        if answer is None:
            raise TimeoutError(self._explain(f"callback query {query_id} unanswered", timeout))
        return answer


class SimulatedGroup(ChatView):
    """A group chat; members speak through ``send(from_user=..., text=...)``."""

    async def send(
        self, from_user: SimulatedUser, text: str, *, reply_to: SentMessage | int | None = None
    ) -> dict[str, Any]:
        """Post a text in the group; with privacy mode the bot only gets what Telegram sends."""
        fields: dict[str, Any] = {"text": text, **self._reply_fields(reply_to)}
        entities = command_entities(text)
        if entities:
            fields["entities"] = entities
        return self._user_message(from_user.user, fields, deliver=self._delivers(fields))

    async def send_raw_message(self, from_user: SimulatedUser, **fields: Any) -> dict[str, Any]:
        """Post a message with arbitrary fields; always delivered."""
        return self._user_message(from_user.user, fields)

    async def press(
        self,
        message: SentMessage | int,
        text: str | None = None,
        *,
        callback_data: str | None = None,
        as_user: SimulatedUser,
    ) -> str:
        """Have ``as_user`` press an inline button on a group message; returns the query id."""
        return await _press(self, as_user, message, text, callback_data)

    def _delivers(self, fields: dict[str, Any]) -> bool:
        if not self.state.privacy_mode:
            return True
        username = "@" + str(self.state.bot_user.get("username", "")).lower()
        text = str(fields["text"])
        for command in commands_in(text):
            if "@" not in command or command.lower().endswith(username):
                return True
        replied = fields.get("reply_to_message", {}).get("from", {})
        return username in text.lower() or replied.get("id") == self.state.bot_user["id"]
