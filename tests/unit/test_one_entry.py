"""One entry per update: only bot.handlers.taps opens a session or loads the person.

Read from the source, so a handler that opens a second session of its own, or loads the
person again after the entry did, fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

HANDLERS = Path(__file__).resolve().parents[2] / "bot" / "handlers"
ENTRY = HANDLERS / "taps.py"
# What only the entry may call: a new session, and loading the person by Telegram id.
ENTRY_ONLY = frozenset({"session", "sessions", "get_user"})


def _calls(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ENTRY_ONLY:
            found.append((node.lineno, name))
    return found


@pytest.mark.parametrize(
    "path", sorted(p for p in HANDLERS.glob("*.py") if p != ENTRY), ids=lambda p: p.name
)
def test_handlers_reach_the_database_only_through_the_entry(path: Path) -> None:
    assert _calls(path) == [], f"{path.name} opens a session or loads the person itself"


def test_the_entry_is_what_opens_sessions() -> None:
    # The check above must look for what the entry really calls, or it proves nothing.
    assert {name for _, name in _calls(ENTRY)} >= {"session", "get_user"}
