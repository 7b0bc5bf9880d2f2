"""The scheduler's Sender, implemented with the Telegram bot.

Prompts are what the bot sends by the thousand (up to 1,000 a second with paid broadcast),
so they are sent without PTB's objects: the request is a plain dict, its keyboard JSON made
once per locale and ritual (bot.prompt_markup), sent with `Bot.do_api_request`, and of
Telegram's answer only the message id is read. Building and parsing PTB objects cost most
of the CPU per prompt (`make bench`, section pipeline). The request still goes through the
bot's rate limiter (which waits out a 429's `retry_after`) and PTB's mapping of Telegram's
answers to errors (Forbidden, BadRequest, NetworkError), so every outcome is handled as it
was with `send_message`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import ExtBot

from bot import keyboards
from bot.handlers.common import Markup, consent_question, quiet_raw_calls
from bot.prompt_markup import prompt_markup
from messages import render
from scheduler.reveals import SharedNews
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
        # What `send_message` would add from the application's Defaults (protect_content):
        # `do_api_request` adds none of them.
        defaults = bot.defaults if isinstance(bot, ExtBot) else None
        self._defaults: dict[str, Any] = dict(defaults.api_defaults) if defaults else {}
        quiet_raw_calls()
        self._paid_broadcast = paid_broadcast

    async def send_prompt(self, prompt: OutgoingPrompt) -> int:
        """Send one prompt; Undeliverable when the person blocked the bot or is gone."""
        # Discreet, what a lock screen shows names no practice and no week; the words come
        # after Open, for a prompt, a summary and a question about pace alike.
        text = _discreet_text(prompt.period, prompt.locale) if prompt.discreet else prompt.text
        request = self._request(prompt.chat_id, text, prompt_markup(prompt), prompt.quiet)
        return await self._retried(lambda: self._send(request))

    async def ask_consent(self, ask: ConsentAsk) -> int:
        """Ask someone who agreed to an older consent text about the one in force."""
        question = consent_question(ask.locale, again=True)
        request = self._request(ask.chat_id, question.text, question.markup, ask.quiet)
        return await self._retried(lambda: self._send(request))

    async def send_news(self, news: SharedNews) -> int:
        """Tell a partner what their shared check-in came to; discreet, only a neutral line
        shows until they tap Open."""
        text, markup = news.text, None
        if news.discreet:
            text = render("partner_news_discreet", news.locale)
            markup = keyboards.open_shared(news.locale, news.turn_id)
        request = self._request(news.chat_id, text, markup, news.quiet)
        return await self._retried(lambda: self._send(request))

    def _request(
        self, chat_id: int, text: str, markup: str | Markup | None, quiet: bool
    ) -> dict[str, Any]:
        """Everything a sendMessage carries, made in this one place."""
        request = {**self._defaults, "chat_id": chat_id, "text": text}
        if markup is not None:
            request["reply_markup"] = markup  # JSON, or a PTB object PTB encodes as JSON
        if quiet:
            request["disable_notification"] = True
        if self._paid_broadcast:  # the rate limiter takes the flag off when a free slot is open
            request["allow_paid_broadcast"] = True
        return request

    async def _send(self, request: dict[str, Any]) -> int:
        """One sendMessage (PTB copies `request`); of the answer, only the message id is read."""
        sent = await self._bot.do_api_request("sendMessage", api_kwargs=request)
        return int(sent["message_id"])

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


@lru_cache(maxsize=256)
def _discreet_text(period: str, locale: str) -> str:
    """The neutral first line for this part of the day, and the line that invites Open."""
    first = render(f"discreet_prompt_{period}", locale)
    return first + "\n" + render("discreet_prompt_tail", locale)
