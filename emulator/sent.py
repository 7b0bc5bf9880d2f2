"""Immutable snapshots of the bot's messages, as tests inspect them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.state import StoredMessage


@dataclass(frozen=True, slots=True)
class SentMessage:
    """An immutable snapshot of one message the bot sent."""

    chat_id: int
    message_id: int
    raw: dict[str, Any]
    reply_markup: dict[str, Any] | None
    edits: tuple[dict[str, Any], ...]
    deleted: bool = False
    seq: int = 0

    @property
    def text(self) -> str | None:
        """The message text (None for media messages)."""
        value = self.raw.get("text")
        return None if value is None else str(value)

    @property
    def caption(self) -> str | None:
        """The media caption, if any."""
        value = self.raw.get("caption")
        return None if value is None else str(value)

    @property
    def version(self) -> int:
        """How many times the message had been edited when this snapshot was taken."""
        return len(self.edits)

    @property
    def button_rows(self) -> list[list[tuple[str, str | None]]]:
        """Inline keyboard rows as (text, callback_data) pairs."""
        markup = self.raw.get("reply_markup") or {}
        return [
            [(button["text"], button.get("callback_data")) for button in row]
            for row in markup.get("inline_keyboard", [])
        ]

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """All inline buttons, flattened, as (text, callback_data) pairs."""
        return [button for row in self.button_rows for button in row]


def snapshot(chat_id: int, stored: StoredMessage) -> SentMessage:
    """Freeze the current version of a stored message."""
    return SentMessage(
        chat_id=chat_id,
        message_id=int(stored.raw["message_id"]),
        raw=stored.raw,
        reply_markup=stored.sent_markup,
        edits=tuple(stored.edits),
        deleted=stored.deleted,
        seq=stored.seq,
    )
