"""Settings: what an operator can get wrong, and the defaults they get."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "ATTUNE_TICK_SECONDS", "LOG_LEVEL", "TELEGRAM_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = _settings()
    assert settings.database_url == "sqlite+aiosqlite:///attune.db"
    assert (settings.tick_seconds, settings.grace_minutes, settings.rate_limit) == (10, 60, 25)
    assert settings.telegram_api_base_url is None


@pytest.mark.parametrize(
    ("token", "message"),
    [(None, "is not set"), ("", "is not set"), ("abc", "does not look like a bot token")],
)
def test_token_errors_are_plain_sentences(token: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _settings(TELEGRAM_BOT_TOKEN=token).token()


def test_token_is_secret_in_reprs() -> None:
    settings = _settings(TELEGRAM_BOT_TOKEN="123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert settings.token() == "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert "ABCDEFGH" not in repr(settings)


def test_base_url_is_a_root_without_trailing_slash() -> None:
    settings = _settings(TELEGRAM_API_BASE_URL="http://127.0.0.1:8081/")
    assert settings.telegram_api_base_url == "http://127.0.0.1:8081"
    with pytest.raises(ValidationError):
        _settings(TELEGRAM_API_BASE_URL="ftp://example")


@pytest.mark.parametrize("tick", [0, -1, "soon"])
def test_tick_must_be_a_positive_number(tick: object) -> None:
    with pytest.raises(ValidationError):
        _settings(ATTUNE_TICK_SECONDS=tick)


def test_log_level_is_case_insensitive() -> None:
    assert _settings(LOG_LEVEL="debug").log_level == "DEBUG"


def test_crisis_resources_file_must_exist() -> None:
    with pytest.raises(ValidationError):
        _settings(ATTUNE_CRISIS_RESOURCES="/no/such/file.toml")


def test_paid_broadcast_is_off_unless_chosen_with_a_budget() -> None:
    settings = _settings()
    assert (settings.paid_broadcast, settings.paid_broadcast_daily_stars) == ("off", 0)
    chosen = _settings(ATTUNE_PAID_BROADCAST="ON", ATTUNE_PAID_BROADCAST_DAILY_STARS="250.5")
    assert (chosen.paid_broadcast, chosen.paid_broadcast_daily_stars) == ("on", 250.5)
    with pytest.raises(ValidationError, match="ATTUNE_PAID_BROADCAST_DAILY_STARS"):
        _settings(ATTUNE_PAID_BROADCAST="on")
    for wrong in ({"ATTUNE_PAID_BROADCAST": "sometimes"}, {"ATTUNE_PAID_BROADCAST_RATE": 1001}):
        with pytest.raises(ValidationError):
            _settings(**wrong)


def test_the_keyring_is_a_database_apart_from_the_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATTUNE_KEYRING_URL", raising=False)
    # SQLite: a file beside the data's, unless named.
    beside = _settings(DATABASE_URL="sqlite+aiosqlite:////data/attune.db")
    assert beside.keyring() == "sqlite+aiosqlite:////data/attune-keyring.db"
    named = _settings(
        DATABASE_URL="sqlite+aiosqlite:////data/attune.db",
        ATTUNE_KEYRING_URL="sqlite+aiosqlite:////keys/ring.db",
    )
    assert named.keyring() == "sqlite+aiosqlite:////keys/ring.db"
    assert "/keys/ring.db" not in repr(named)  # a secret: it may carry a password
    # PostgreSQL: required, and never the data's own database.
    data = "postgresql+asyncpg://attune:pw@db:5432/attune"
    with pytest.raises(ValidationError, match="ATTUNE_KEYRING_URL is required with PostgreSQL"):
        _settings(DATABASE_URL=data)
    with pytest.raises(ValidationError, match="names the data's own database"):
        _settings(DATABASE_URL=data, ATTUNE_KEYRING_URL="postgresql+asyncpg://other@db/attune")
    with pytest.raises(ValidationError, match="names the data's own database"):
        _settings(
            DATABASE_URL="sqlite+aiosqlite:////data/attune.db",
            ATTUNE_KEYRING_URL="sqlite+aiosqlite:////data/../data/attune.db",
        )
    apart = _settings(
        DATABASE_URL=data, ATTUNE_KEYRING_URL="postgresql+asyncpg://attune:pw@db/attune_keyring"
    )
    assert apart.keyring().endswith("/attune_keyring")
