"""One-off Bot API calls for the operator's commands (check-config, stats): a Bot with short
timeouts, and the bot's Telegram Stars balance as getMyStarBalance tells it."""

from __future__ import annotations

from decimal import Decimal

from telegram import Bot

from bot.http import AiohttpRequest
from bot.settings import Settings

NANOSTARS_PER_STAR = 10**9


def operator_bot(settings: Settings, token: str) -> Bot:
    """A Bot for a few requests to the configured Bot API, each given five seconds."""
    root = api_root(settings)
    request = AiohttpRequest(connect_timeout=5, read_timeout=5, write_timeout=5, pool_timeout=5)
    return Bot(
        token,
        base_url=f"{root}/bot",
        base_file_url=f"{root}/file/bot",
        request=request,
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )


def api_root(settings: Settings) -> str:
    """The Bot API server the settings point at (Telegram's own unless told otherwise)."""
    return settings.telegram_api_base_url or "https://api.telegram.org"


async def star_balance(bot: Bot) -> Decimal:
    """The bot's Telegram Stars balance (whole Stars and their billionths)."""
    amount = await bot.get_my_star_balance()
    return Decimal(amount.amount) + Decimal(amount.nanostar_amount or 0) / NANOSTARS_PER_STAR
