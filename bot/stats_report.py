"""`attune stats`: the service's counts as an aligned table, or JSON for machines.

Only aggregates from store.stats reach the output; nothing about any one person. With paid
broadcast on, the Stars too: the day's budget, what the ledger counts as spent, and the
balance (getMyStarBalance, so this one figure needs the bot token and the Bot API).
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from telegram.error import TelegramError

from bot.api_probe import operator_bot, star_balance
from bot.one_line import kind, reason
from bot.paid_broadcast import STARS_PER_MESSAGE
from bot.settings import Settings
from store.database_url import missing_sqlite_file
from store.db import create_engine, session_factory
from store.paid_broadcast import paid_messages
from store.stats import Stats, overview

# How long the Bot API may take to tell the Stars balance (paid broadcast on).
BALANCE_TIMEOUT = 10.0


def print_stats(settings: Settings, *, as_json: bool) -> int:
    """Read the counts now and print them; exit status 1 if the database can't be read."""
    missing = missing_sqlite_file(settings.database_url)
    if missing is not None:  # connecting would create it
        print(f"attune: there is no database at {missing}", file=sys.stderr)
        return 1

    async def go() -> tuple[Stats, PaidFigures | None]:
        engine = create_engine(settings.database_url)
        now = datetime.now(UTC)
        try:
            async with session_factory(engine)() as session:
                stats = await overview(session, now=now)
                # A schema behind this version's may not hold the ledger yet.
                if settings.paid_broadcast == "off" or stats.schema != stats.schema_head:
                    return stats, None
                today = now.date()
                spent_today = await paid_messages(session, since=today, until=today)
                spent_30d = await paid_messages(
                    session, since=today - timedelta(days=29), until=today
                )
        finally:
            await engine.dispose()
        balance = await _balance(settings)
        return stats, PaidFigures(
            daily_budget=settings.paid_broadcast_daily_stars,
            today=round(spent_today * STARS_PER_MESSAGE, 1),
            last_30_days=round(spent_30d * STARS_PER_MESSAGE, 1),
            balance=balance,
        )

    try:
        stats, paid = asyncio.run(go())
    except (OSError, SQLAlchemyError) as error:
        hint = "`attune check-config` tells what is wrong"
        print(f"attune: cannot read the database ({reason(error)}); {hint}", file=sys.stderr)
        return 1
    if as_json:
        figures = {**asdict(stats), "at": stats.at.isoformat()}
        if paid is not None:
            figures["paid_broadcast"] = asdict(paid)
        print(json.dumps(figures, indent=2))
    else:
        print(_stats_table(stats, paid))
    return 0


@dataclass(frozen=True, slots=True)
class PaidFigures:
    """Paid broadcast in Stars: the day's budget, what the ledger counts as spent (UTC days;
    Telegram charged no more), and the balance getMyStarBalance tells (or why not)."""

    daily_budget: float
    today: float
    last_30_days: float
    balance: float | str


async def _balance(settings: Settings) -> float | str:
    """The bot's Stars balance, or a few words on why it is unknown."""
    try:
        token = settings.token()
    except ValueError:
        return "unknown: TELEGRAM_BOT_TOKEN is not set"
    try:
        async with asyncio.timeout(BALANCE_TIMEOUT), operator_bot(settings, token) as bot:
            return float(await star_balance(bot))
    except (TelegramError, TimeoutError, OSError) as error:
        # By type only: a network error's text can quote the URL, with the token in it.
        return f"unknown: {kind(error)}"


def _stats_table(stats: Stats, paid: PaidFigures | None) -> str:
    """The counts in titled sections, labels left and numbers right-aligned."""
    schema = stats.schema or "none"
    schema += (
        " (up to date)"
        if stats.schema == stats.schema_head
        else f" (this version needs {stats.schema_head}: `attune migrate`)"
    )
    sections: list[tuple[str, list[tuple[str, int | str]]]] = [
        (
            "people",
            [
                ("total", stats.people),
                ("onboarded", stats.onboarded),
                ("active in the last 7 days", stats.active_7d),
                ("paused now", stats.paused),
                ("blocked the bot", stats.blocked),
            ],
        ),
        ("practices switched on", [*stats.practices.items()] or [("none", 0)]),
        ("prompts due in the last 7 days, by state", [*stats.prompts_7d.items()]),
        (
            "also",
            [
                ("check-ins in the last 7 days", stats.check_ins_7d),
                ("notes stored", stats.notes),
                ("schema", schema),
            ],
        ),
    ]
    if paid is not None:
        balance = paid.balance if isinstance(paid.balance, str) else f"{paid.balance:,g}"
        sections.append(
            (
                "paid broadcast, in Stars (UTC days)",
                [
                    ("daily budget", f"{paid.daily_budget:,g}"),
                    ("spent today (at most)", f"{paid.today:,.1f}"),
                    ("spent in the last 30 days", f"{paid.last_30_days:,.1f}"),
                    ("balance", balance),
                ],
            )
        )
    width = max(len(label) for _, rows in sections for label, _ in rows)
    lines = [f"attune stats, {stats.at:%Y-%m-%d %H:%M} UTC"]
    for title, rows in sections:
        lines += ["", title]
        lines += [
            f"  {label:<{width}}  {f'{value:>9,}' if isinstance(value, int) else value}"
            for label, value in rows
        ]
    return "\n".join(lines)
