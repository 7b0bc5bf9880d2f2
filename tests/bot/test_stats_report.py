"""`attune stats`: an aligned table or JSON of counts, and no database created by asking."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from store.stats import head_revision
from tests.bot.conftest import Attune, Env
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
