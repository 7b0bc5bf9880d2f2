"""One owner for schedule changes: only scheduler.changes writes when someone is prompted.

Read from the source, so a handler that sets `next_due_at` (or a field it follows) itself
fails here before it can let a snoozed prompt outlive its ritual.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "scheduler", "store", "progress", "messages")
OWNER = ROOT / "scheduler" / "changes.py"
# The fields a schedule follows: setting one without recomputing `next_due_at` is the bug.
SCHEDULE_FIELDS = frozenset(
    {
        "next_due_at",
        "paused_until",
        "blocked_at",
        "timezone",
        "active",
        "weekdays",
        "local_time",
        "consent_version",
        "consented_at",
    }
)


def _sources() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _writes(tree: ast.AST, fields: frozenset[str]) -> Iterator[tuple[int, str]]:
    """Attribute assignments to `fields`, and `fields` passed by keyword (values(), rows)."""
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute) and part.attr in fields:
                    yield node.lineno, part.attr
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "next_due_at":
                    yield node.lineno, "next_due_at"


def test_only_the_schedule_owner_writes_next_due_at() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _sources()
        if path != OWNER
        for line, _field in _writes(ast.parse(path.read_text()), frozenset({"next_due_at"}))
    ]
    assert found == []


def test_handlers_leave_schedule_fields_to_the_owner() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line} {field}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        for line, field in _writes(ast.parse(path.read_text()), SCHEDULE_FIELDS)
    ]
    assert found == []


def test_the_check_sees_a_write() -> None:
    # Guards the guard: both forms of writing are recognised.
    source = "sub.next_due_at = x\nupdate(S).values(next_due_at=None)\nu.paused_until = y\n"
    assert sorted(line for line, _ in _writes(ast.parse(source), SCHEDULE_FIELDS)) == [1, 2, 3]
