"""The one Bot API call a webhook's answer carries instead of a request of its own.

Telegram lets a webhook answer an update with one Bot API call in the HTTP response ("Making
requests when getting updates"); PTB does not offer it (python-telegram-bot #713). Neither
the call's result nor an error ever comes back, so only a call whose result nothing needs
may go there: here, the first answer to the button press the update is. Every tap must be
answered, the answer's result is only ever True, and a two-tap check-in (a discreet prompt's
Open, naming a step) then makes two requests fewer.

The webhook (bot.web) opens a slot for a button press, the intake makes it current while
that update's handlers run (bot.intake), and bot.handlers.common.answer fills it instead of
making a request; the webhook answers with it once the update was handled. Anything else
goes as a request: a second answer, another press's answer, an answer after the webhook
answered, and everything in long polling, where no slot is open.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from telegram import Update


@dataclass(eq=False)
class ReplySlot:
    """Room for one call in the webhook's answer to a press of `query_id`."""

    query_id: str
    call: dict[str, Any] | None = None
    closed: bool = False

    @classmethod
    def for_update(cls, update: Update) -> ReplySlot | None:
        """A slot for a button press; None for any other update (nothing to answer)."""
        query = update.callback_query
        return None if query is None else cls(query.id)

    def take(self) -> dict[str, Any] | None:
        """The call to carry, if one was put here; nothing can be put here afterwards."""
        self.closed = True
        return self.call


_CURRENT: ContextVar[ReplySlot | None] = ContextVar("webhook_reply", default=None)


@contextmanager
def carrying(slot: ReplySlot | None) -> Iterator[None]:
    """Make `slot` the one the handlers running inside may fill (None: no slot)."""
    token = _CURRENT.set(slot)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def carry_answer(query_id: str, text: str | None, *, show_alert: bool) -> bool:
    """Put a press's answer in the webhook's answer, if it may go there; True if it did."""
    slot = _CURRENT.get()
    if slot is None or slot.closed or slot.call is not None or slot.query_id != query_id:
        return False
    call: dict[str, Any] = {"method": "answerCallbackQuery", "callback_query_id": query_id}
    if text is not None:
        call["text"] = text
    if show_alert:
        call["show_alert"] = True
    slot.call = call
    return True
