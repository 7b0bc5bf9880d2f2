"""Button data: every kind the bot makes round-trips through its pattern, and is routed."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.app import build_application
from bot.data_key import load_data_key
from tests.e2e.harness import make_settings

CASES = [
    pytest.param(kind, args, id=kind.build(*args))
    for kind in callbacks.KINDS
    for args in kind.examples
]


@pytest.mark.parametrize(("kind", "args"), CASES)
def test_every_builder_round_trips_through_its_own_pattern_only(
    kind: callbacks.Kind, args: tuple[object, ...]
) -> None:
    data = kind.build(*args)
    match = kind.pattern.fullmatch(data)
    assert match is not None
    assert match.groups() == tuple(str(arg) for arg in args)  # parsed back to what was built
    assert len(data.encode()) <= 64  # Telegram's limit for callback data
    others = [k.pattern.pattern for k in callbacks.KINDS if k is not kind]
    assert [p for p in others if callbacks.re.fullmatch(p, data)] == []


def test_the_application_routes_exactly_the_kinds_the_bot_makes(tmp_path: Path) -> None:
    settings = make_settings("http://127.0.0.1:9", f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    app = build_application(settings, data_key=load_data_key(settings))
    routed = [
        handler.pattern
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CallbackQueryHandler) and handler.pattern is not None
    ]
    assert sorted(p.pattern for p in routed) == sorted(  # type: ignore[union-attr]
        k.pattern.pattern for k in callbacks.KINDS
    )


def test_the_fuzz_test_forges_from_this_list() -> None:
    from tests.e2e import fuzz_updates

    assert set(fuzz_updates.FIXED_DATA) == set(callbacks.examples())
    assert set(fuzz_updates.PREFIXES) == set(callbacks.prefixes())
