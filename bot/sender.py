"""The scheduler's Sender, implemented with the Telegram bot."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError

from bot import keyboards
from bot.handlers.common import Markup, consent_question
from messages import render
from scheduler.sender import ConsentAsk, OutgoingPrompt, Undeliverable

log = logging.getLogger(__name__)


class TelegramSender:
    """Sends prompts as messages with their buttons (plain text when there is nothing to
    rate, as for a weekly summary; the question about pace has its own), and renewed
    consent questions, retrying network errors with backoff.

    429s are retried by the rate limiter (after Telegram's `retry_after`); a 403 or a
    vanished chat means the person can no longer be reached. With `paid_broadcast`, every
    message is marked as one that may go out paid: the rate limiter decides (bot.rate_limit).
    """

    def __init__(
        self, bot: Bot, *, attempts: int = 4, backoff: float = 0.5, paid_broadcast: bool = False
    ) -> None:
        self._bot = bot
        self._attempts = attempts
        self._backoff = backoff
        self._paid_broadcast = paid_broadcast or None  # None: PTB leaves the flag out

    async def send_prompt(self, prompt: OutgoingPrompt) -> int:
        """Send one prompt; Undeliverable when the person blocked the bot or is gone."""
        return await self._retried(lambda: self._send(prompt))

    async def ask_consent(self, ask: ConsentAsk) -> int:
        """Ask someone who agreed to an older consent text about the one in force."""
        question = consent_question(ask.locale, again=True)
        return await self._retried(
            lambda: self._message(ask.chat_id, question.text, question.markup, ask.quiet)
        )

    async def _retried(self, send: Callable[[], Awaitable[int]]) -> int:
        for attempt in range(self._attempts):
            try:
                return await send()
            except Forbidden as error:
                raise Undeliverable from error
            except BadRequest as error:  # a NetworkError subclass, but never transient
                if "chat not found" in error.message.lower():
                    raise Undeliverable from error
                raise
            except NetworkError as error:
                if attempt == self._attempts - 1:
                    raise
                delay = self._backoff * 2**attempt
                log.info("send failed (%s); retrying in %.1fs", type(error).__name__, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _send(self, prompt: OutgoingPrompt) -> int:
        markup: InlineKeyboardMarkup | None
        if prompt.discreet:
            # What a lock screen shows names no practice and no week; the words come after
            # Open, for a prompt, a summary and a question about pace alike.
            text = render(f"discreet_prompt_{prompt.period}", prompt.locale)
            text += "\n" + render("discreet_prompt_tail", prompt.locale)
            markup = keyboards.open_prompt(prompt.locale, prompt.prompt_id)
        elif prompt.pacing is not None:
            text = prompt.text
            markup = keyboards.pacing_offer(
                prompt.locale, prompt.pacing.ritual_key, several_days=prompt.pacing.several_days
            )
        else:
            text = prompt.text
            markup = keyboards.prompt(
                prompt.locale, prompt.prompt_id, prompt.labels, can_snooze=prompt.can_snooze
            )
        return await self._message(prompt.chat_id, text, markup, prompt.quiet)

    async def _message(self, chat_id: int, text: str, markup: Markup | None, quiet: bool) -> int:
        message = await self._bot.send_message(
            chat_id,
            text,
            reply_markup=markup,
            disable_notification=quiet,
            allow_paid_broadcast=self._paid_broadcast,
        )
        return message.message_id
