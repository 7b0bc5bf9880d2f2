"""`attune stats`: the service's counts as an aligned table, or JSON for machines.

Only aggregates from store.stats reach the output; nothing about any one person.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from bot.one_line import reason
from bot.settings import Settings
from store.database_url import missing_sqlite_file
from store.db import create_engine, session_factory
from store.stats import Stats, overview


def print_stats(settings: Settings, *, as_json: bool) -> int:
    """Read the counts now and print them; exit status 1 if the database can't be read."""
    missing = missing_sqlite_file(settings.database_url)
    if missing is not None:  # connecting would create it
        print(f"attune: there is no database at {missing}", file=sys.stderr)
        return 1

    async def go() -> Stats:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                return await overview(session, now=datetime.now(UTC))
        finally:
            await engine.dispose()

    try:
        stats = asyncio.run(go())
    except (OSError, SQLAlchemyError) as error:
        hint = "`attune check-config` tells what is wrong"
        print(f"attune: cannot read the database ({reason(error)}); {hint}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps({**asdict(stats), "at": stats.at.isoformat()}, indent=2))
    else:
        print(_stats_table(stats))
    return 0


def _stats_table(stats: Stats) -> str:
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
    width = max(len(label) for _, rows in sections for label, _ in rows)
    lines = [f"attune stats, {stats.at:%Y-%m-%d %H:%M} UTC"]
    for title, rows in sections:
        lines += ["", title]
        lines += [
            f"  {label:<{width}}  {f'{value:>9,}' if isinstance(value, int) else value}"
            for label, value in rows
        ]
    return "\n".join(lines)
