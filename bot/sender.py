"""The scheduler's Sender, implemented with the Telegram bot."""

from __future__ import annotations

from telegram import Bot
from telegram.error import BadRequest, Forbidden

from bot import keyboards
from scheduler.sender import OutgoingPrompt, Undeliverable


class TelegramSender:
    """Sends prompts as messages with 1-5 buttons."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send_prompt(self, prompt: OutgoingPrompt) -> int:
        """Send one prompt; Undeliverable when the person blocked the bot or is gone."""
        try:
            message = await self._bot.send_message(
                prompt.chat_id,
                prompt.text,
                reply_markup=keyboards.rating(prompt.locale, prompt.prompt_id, prompt.labels),
            )
        except Forbidden as error:
            raise Undeliverable from error
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                raise Undeliverable from error
            raise
        return message.message_id
