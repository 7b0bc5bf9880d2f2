"""`attune stats`: an aligned table or JSON of counts, and no database created by asking."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from emulator import BotApiEmulator
from store.db import create_engine, session_factory
from store.paid_broadcast import set_aside
from store.stats import head_revision
from tests.bot.conftest import Attune, Env
from tests.e2e.harness import TOKEN
from tests.e2e.processes import seed_due_people


async def test_stats_prints_an_aligned_table_and_json(
    env: Env, sqlite_url: str, attune: Attune
) -> None:
    await seed_due_people(sqlite_url, count=3, due=datetime.now(UTC))
    code, out, _ = await attune("stats")  # no token, no key: not needed
    assert code == 0
    rows = {line.split("  ")[1].strip(): line for line in out.splitlines() if line[:2] == "  "}
    assert rows["total"].split()[-1] == "3"
    assert rows["schema"].endswith(f"{head_revision()} (up to date)")
    numbers = [line for line in out.splitlines() if line.rstrip()[-1:].isdigit()]
    assert len({len(line) for line in numbers if "schema" not in line}) == 1, "not aligned"

    code, out, _ = await attune("stats", "--json")
    figures = json.loads(out)
    assert code == 0
    assert (figures["people"], figures["onboarded"], figures["active_7d"]) == (3, 3, 0)
    assert sum(figures["practices"].values()) == 3
    assert figures["schema"] == figures["schema_head"] == head_revision()


async def test_stats_without_a_database_creates_none(
    env: Env, tmp_path: Path, attune: Attune
) -> None:
    code, _, err = await attune("stats")
    assert code == 1
    assert "no database" in err
    assert not (tmp_path / "attune.db").exists()


async def test_stats_with_paid_broadcast_shows_the_stars(
    emulator: BotApiEmulator, env: Env, sqlite_url: str, attune: Attune
) -> None:
    await seed_due_people(sqlite_url, count=1, due=datetime.now(UTC))
    engine = create_engine(sqlite_url)
    async with session_factory(engine)() as session, session.begin():
        await set_aside(session, day=datetime.now(UTC).date(), want=123, limit=5000)
    await engine.dispose()
    env(ATTUNE_PAID_BROADCAST="on", ATTUNE_PAID_BROADCAST_DAILY_STARS="500")
    code, out, _ = await attune("stats")  # no token: the balance is unknown, the rest shows
    assert code == 0
    rows = {line.split("  ")[1].strip(): line for line in out.splitlines() if line[:2] == "  "}
    assert rows["spent today (at most)"].split()[-1] == "12.3"
    assert rows["balance"].endswith("unknown: TELEGRAM_BOT_TOKEN is not set")

    emulator.star_balance = Decimal("987.6")
    env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=emulator.root_url)
    code, out, _ = await attune("stats", "--json")
    assert code == 0
    assert json.loads(out)["paid_broadcast"] == {
        "daily_budget": 500,
        "today": 12.3,
        "last_30_days": 12.3,
        "balance": 987.6,
    }
