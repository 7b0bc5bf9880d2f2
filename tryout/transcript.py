"""What the bot did in the person's chat, read from the emulator's record of its calls, in
the order it made them: messages, edits, brief notes on a pressed button, removals; and
the choices a person can make from the terminal.

Inline buttons are numbered, and a number stays with its button while the message is
one of the latest few with buttons and unchanged: an earlier offer can still be taken
after a later one was answered, as in Telegram. A message that changes (or goes) frees its
numbers, and the next buttons take the lowest run of free numbers, so numbers stay small.
A reply keyboard (one at a time, kept until the bot removes it) is lettered instead.
Photos and documents are written to the session's folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from string import ascii_lowercase
from typing import Any

from emulator import Call
from emulator.state import EmulatorState

_EDITS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup"})
_REMOVALS = frozenset({"deleteMessage", "deleteMessages"})
# How many messages with buttons keep their numbers: a week of daily prompts, and more.
LIVE_MESSAGES = 10


class Kind(StrEnum):
    """What kind of thing is shown."""

    MESSAGE = "message"
    EDIT = "edit"  # a message changed in place
    NOTE = "note"  # the brief note Telegram shows over the chat when a button is pressed
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class Choice:
    """An inline button, by the number it was shown with."""

    number: int
    label: str
    message_id: int


@dataclass(frozen=True, slots=True)
class KeyButton:
    """A button of the reply keyboard, by its letter."""

    letter: str
    label: str
    shares_location: bool


@dataclass(frozen=True, slots=True)
class Shown:
    """One thing the bot did in the chat, as the terminal shows it."""

    kind: Kind
    at: datetime
    text: str = ""
    choices: tuple[Choice, ...] = ()
    keyboard: tuple[KeyButton, ...] = ()  # a reply keyboard this message brought
    saved: Path | None = None  # where a photo or document was written
    removed: int = 0
    buttons_only: bool = False  # an edit that changed the buttons, not the words


class Transcript:
    """The person's chat, read call by call from the moment it is made."""

    def __init__(self, state: EmulatorState, chat_id: int, files: Path) -> None:
        self._state = state
        self._chat_id = chat_id
        self._files = files
        self._read = len(state.calls)
        self._live: dict[int, tuple[Choice, ...]] = {}  # by message id, oldest first
        self._saved = 0

    def choice(self, number: int) -> Choice | None:
        """The inline button shown with `number`, if its message still has it."""
        for choices in self._live.values():
            for choice in choices:
                if choice.number == number:
                    return choice
        return None

    def keyboard(self) -> tuple[KeyButton, ...]:
        """The reply keyboard the chat shows now (empty once the bot removed it)."""
        return _key_buttons(self._state.chat(self._chat_id).reply_keyboard)

    def news(self) -> list[Shown]:
        """Everything the bot did in the chat since the last call, oldest first."""
        calls = self._state.calls
        fresh, self._read = calls[self._read :], len(calls)
        return [shown for call in fresh if (shown := self._shown(call)) is not None]

    def _shown(self, call: Call) -> Shown | None:
        if not call.ok or not self._ours(call):
            return None
        at = datetime.fromtimestamp(call.at, UTC)
        params, result = call.params, call.result
        if call.method == "answerCallbackQuery":
            text = str(params.get("text") or "")
            return Shown(Kind.NOTE, at, text) if text else None
        if call.method in _REMOVALS:
            ids = params.get("message_ids") or [params.get("message_id")]
            for message_id in ids:
                self._live.pop(message_id, None)
            return Shown(Kind.REMOVED, at, removed=len(ids))
        if not isinstance(result, dict) or "message_id" not in result:
            return None  # chat actions, and whatever does not change what the chat shows
        kind = Kind.EDIT if call.method in _EDITS else Kind.MESSAGE
        return Shown(
            kind,
            at,
            text=str(result.get("text") or result.get("caption") or ""),
            choices=self._number(result),
            keyboard=_key_buttons(params.get("reply_markup")),
            saved=self._save(result),
            buttons_only=call.method == "editMessageReplyMarkup",
        )

    def _ours(self, call: Call) -> bool:
        """True for a call about the person's chat."""
        if call.method == "answerCallbackQuery":
            query = self._state.callback_queries.get(str(call.params.get("callback_query_id")))
            return query is not None and query.chat_id == self._chat_id
        return call.params.get("chat_id") == self._chat_id

    def _number(self, message: dict[str, Any]) -> tuple[Choice, ...]:
        """Number a message's inline buttons with the lowest run of free numbers; what it
        showed before (an edit) frees its numbers first."""
        message_id = int(message["message_id"])
        self._live.pop(message_id, None)
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        labels = [str(b["text"]) for row in rows for b in row if "callback_data" in b]
        if not labels:
            return ()
        while len(self._live) >= LIVE_MESSAGES:
            del self._live[next(iter(self._live))]
        taken = {choice.number for choices in self._live.values() for choice in choices}
        start = 1
        while taken & set(range(start, start + len(labels))):
            start += 1
        numbered = tuple(
            Choice(start + offset, label, message_id) for offset, label in enumerate(labels)
        )
        self._live[message_id] = numbered
        return numbered

    def _save(self, message: dict[str, Any]) -> Path | None:
        """Write a photo (its largest size) or a document to the files folder."""
        if message.get("photo"):
            file_id, name = message["photo"][-1]["file_id"], "photo"
        elif message.get("document"):
            document = message["document"]
            file_id, name = document["file_id"], str(document.get("file_name") or "file")
        else:
            return None
        record = self._state.files.get(file_id)
        if record is None or record.content is None:
            return None
        self._saved += 1
        # A file name comes from the bot: keep its last part only, never a path.
        base = Path(name).name or "file"
        if base == "photo":
            base += _image_suffix(record.content)
        path = self._files / f"{self._saved:03d}-{base}"
        path.write_bytes(record.content)
        return path


def _key_buttons(markup: Any) -> tuple[KeyButton, ...]:
    """A reply keyboard's buttons, lettered; none for any other markup."""
    if not isinstance(markup, dict) or "keyboard" not in markup:
        return ()
    buttons = [button for row in markup["keyboard"] for button in row]
    return tuple(
        KeyButton(letter, str(button["text"]), bool(button.get("request_location")))
        for letter, button in zip(ascii_lowercase, buttons, strict=False)
    )


def _image_suffix(content: bytes) -> str:
    """The file suffix for an image's bytes (the bot sends PNG; Telegram would send JPEG)."""
    if content.startswith(b"\x89PNG"):
        return ".png"
    if content.startswith(b"\xff\xd8"):
        return ".jpg"
    return ".img"
