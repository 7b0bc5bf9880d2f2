"""One dispatcher process for the replica test: tick until nothing is left, print the count.

Run as `python -m tests.pg.dispatch_worker DATABASE_URL BOT_API_ROOT TOKEN`.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta

from telegram import Bot

from bot.sender import TelegramSender
from scheduler.dispatch import Dispatcher
from store.db import create_engine, session_factory


async def main(database_url: str, root: str, token: str) -> None:
    engine = create_engine(database_url)
    bot = Bot(token, base_url=f"{root}/bot")
    sent = idle = 0
    async with bot:
        # Small batches so the three processes interleave over the same rows.
        dispatcher = Dispatcher(
            session_factory(engine), TelegramSender(bot), grace=timedelta(hours=1), batch_size=50
        )
        while idle < 10:
            report = await dispatcher.tick(datetime.now(UTC))
            sent += report.sent
            idle = 0 if report.sent else idle + 1
            await asyncio.sleep(0.05)
    await engine.dispose()
    print(sent)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
