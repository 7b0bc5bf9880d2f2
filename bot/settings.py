"""Settings: the only place that reads the environment."""

from __future__ import annotations

import os
import re
from typing import Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, FilePath, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from messages.resources import DEFAULT_RESOURCES
from store.database_url import keyring_beside, same_database

# Telegram tokens look like "123456789:AAE..." (bot id, colon, 30+ url-safe characters).
_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")
# What Telegram accepts as a webhook secret; 32+ characters makes guessing it hopeless.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{32,256}$")
# What pydantic reads as true, for the one flag read before the settings are.
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})


def env_file() -> str | None:
    """The env file read under the environment: the one ATTUNE_ENV_FILE names, else `.env`
    in the working directory, except in the image.

    The image works in its /data volume, where anyone who can write a file could plant a
    `.env`; there only ATTUNE_ENV_FILE (set by whoever starts the container) names one.
    """
    named = os.environ.get("ATTUNE_ENV_FILE", "").strip()
    if named:
        return named
    in_container = os.environ.get("ATTUNE_IN_CONTAINER", "").strip().lower() in _TRUE
    return None if in_container else ".env"


class Settings(BaseSettings):
    """Attune's configuration, from environment variables (and an optional env file)."""

    model_config = SettingsConfigDict(extra="ignore")

    def __init__(self, **values: Any) -> None:
        values.setdefault("_env_file", env_file())
        super().__init__(**values)

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str | None = Field(default=None, alias="TELEGRAM_API_BASE_URL")
    database_url: str = Field(default="sqlite+aiosqlite:///attune.db", alias="DATABASE_URL")
    tick_seconds: float = Field(default=10.0, gt=0, le=3600, alias="ATTUNE_TICK_SECONDS")
    grace_minutes: int = Field(default=60, ge=0, le=24 * 60, alias="ATTUNE_GRACE_MINUTES")
    rate_limit: float = Field(default=25.0, gt=0, alias="ATTUNE_RATE_LIMIT")
    chat_rate_limit: float = Field(default=1.0, gt=0, alias="ATTUNE_CHAT_RATE_LIMIT")
    claim_lease_seconds: float = Field(default=120.0, gt=0, alias="ATTUNE_CLAIM_LEASE_SECONDS")
    # Paid broadcast (bot.paid_broadcast): past the free rate, prompts go out with
    # allow_paid_broadcast (0.1 Stars each) until the UTC day's budget is spent, at up to
    # paid_broadcast_rate a second, free ones included (per process: Telegram allows 1,000
    # for the whole bot).
    paid_broadcast: Literal["off", "on"] = Field(default="off", alias="ATTUNE_PAID_BROADCAST")
    paid_broadcast_daily_stars: float = Field(
        default=0.0, ge=0, alias="ATTUNE_PAID_BROADCAST_DAILY_STARS"
    )
    paid_broadcast_rate: float = Field(
        default=950.0, gt=0, le=1000, alias="ATTUNE_PAID_BROADCAST_RATE"
    )
    data_key: SecretStr | None = Field(default=None, alias="ATTUNE_DATA_KEY")
    # Where the person keys live (store.keyring): a database apart from the data. Unset
    # with SQLite: a file beside the data's. A secret too (its password).
    keyring_url: SecretStr | None = Field(default=None, alias="ATTUNE_KEYRING_URL")
    env: Literal["production", "development"] = Field(default="production", alias="ATTUNE_ENV")
    # Read by env_file() before the rest; a field too, so a name that is no file is refused.
    env_file: FilePath | None = Field(default=None, alias="ATTUNE_ENV_FILE")
    # Set by the Dockerfile, so the code knows it runs in the image (see env_file()).
    in_container: bool = Field(default=False, alias="ATTUNE_IN_CONTAINER")
    # Notes one person may add in any 24 hours, and keep in all. Far above any real use (a
    # note per practice, and /journal, a few times a day; a note a day for thirteen years),
    # and they hold a flood to at most 5 MB of text, so /export stays well within the
    # 50 MB Telegram lets a bot send.
    notes_per_day: int = Field(default=50, ge=1, alias="ATTUNE_NOTES_PER_DAY")
    notes_in_all: int = Field(default=5000, ge=1, alias="ATTUNE_NOTES_IN_ALL")
    operator_contact: str = Field(default="", alias="ATTUNE_OPERATOR_CONTACT")
    crisis_resources: FilePath = Field(default=DEFAULT_RESOURCES, alias="ATTUNE_CRISIS_RESOURCES")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="LOG_LEVEL"
    )

    log_format: Literal["text", "json"] = Field(default="text", alias="LOG_FORMAT")
    mode: Literal["polling", "webhook"] = Field(default="polling", alias="ATTUNE_MODE")
    # Unset: loopback, or every interface in webhook mode (Telegram must reach it).
    http_host: str = Field(default="", alias="ATTUNE_HTTP_HOST")
    http_port: int = Field(default=8080, ge=0, le=65535, alias="ATTUNE_HTTP_PORT")
    webhook_url: str | None = Field(default=None, alias="ATTUNE_WEBHOOK_URL")
    webhook_secret: SecretStr | None = Field(default=None, alias="ATTUNE_WEBHOOK_SECRET")

    @field_validator("mode", "paid_broadcast", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _listen_address(self) -> Self:
        """Only this machine can reach the port unless the operator opens it (or Telegram
        must reach it: webhook mode)."""
        if not self.http_host.strip():
            self.http_host = "0.0.0.0" if self.mode == "webhook" else "127.0.0.1"
        return self

    @model_validator(mode="after")
    def _no_development_in_the_image(self) -> Self:
        """Development keeps the data key in a file beside the database: in the image, the
        same volume, so one copied volume would hold both."""
        if self.in_container and self.env == "development":
            raise ValueError(
                "ATTUNE_ENV=development is refused in the container (it would keep the data"
                " key in the data volume); set ATTUNE_DATA_KEY and leave ATTUNE_ENV unset"
            )
        return self

    @model_validator(mode="after")
    def _paid_broadcast_budget(self) -> Self:
        """Paying for speed needs a budget: at least one paid message (0.1 Stars) a day."""
        if self.paid_broadcast == "on" and self.paid_broadcast_daily_stars < 0.1:
            raise ValueError(
                "ATTUNE_PAID_BROADCAST=on needs ATTUNE_PAID_BROADCAST_DAILY_STARS, the Stars"
                " it may spend per UTC day (0.1 per message past the free rate), 0.1 or more"
            )
        return self

    @model_validator(mode="after")
    def _keyring_apart(self) -> Self:
        """The keyring is a database of its own: named for PostgreSQL, never the data's."""
        named = self.keyring_url.get_secret_value().strip() if self.keyring_url else ""
        if not named and keyring_beside(self.database_url) is None:
            raise ValueError(
                "ATTUNE_KEYRING_URL is required with PostgreSQL: the person keys are kept in a"
                " database of their own (for example .../attune_keyring on the same server)"
            )
        if named and same_database(named, self.database_url):
            raise ValueError(
                "ATTUNE_KEYRING_URL names the data's own database; the keyring must be kept"
                " apart from the data (another database or file)"
            )
        return self

    def keyring(self) -> str:
        """The keyring's database URL: ATTUNE_KEYRING_URL, or the file beside SQLite data."""
        named = self.keyring_url.get_secret_value().strip() if self.keyring_url else ""
        if named:
            return named
        beside = keyring_beside(self.database_url)
        assert beside is not None  # _keyring_apart refused PostgreSQL without one
        return beside

    @model_validator(mode="after")
    def _webhook_complete(self) -> Self:
        """Webhook mode needs a public URL Telegram accepts and a secret to check."""
        if self.mode != "webhook":
            return self
        url = (self.webhook_url or "").strip()
        if not url:
            raise ValueError("ATTUNE_WEBHOOK_URL is required when ATTUNE_MODE=webhook")
        parts = urlsplit(url)
        # Telegram itself takes only https; a local Bot API server also takes http.
        schemes = ("https",) if self.telegram_api_base_url is None else ("https", "http")
        if parts.scheme not in schemes or not parts.hostname:
            raise ValueError(
                "ATTUNE_WEBHOOK_URL must be an https:// URL Telegram can reach"
                " (http:// only with a local Bot API server)"
            )
        self.webhook_url = url
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if not _SECRET.match(secret):
            raise ValueError(
                "ATTUNE_WEBHOOK_SECRET must be 32 to 256 characters of A-Z, a-z, 0-9, _ and -"
                " (for example: openssl rand -hex 32)"
            )
        return self

    def webhook_path(self) -> str:
        """The path the webhook is served at: the path of ATTUNE_WEBHOOK_URL."""
        assert self.webhook_url is not None
        return urlsplit(self.webhook_url).path or "/"

    @field_validator("env_file", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _root(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not re.match(r"^https?://", value):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    def token(self) -> str:
        """The bot token, or ValueError with a message fit for an operator."""
        if self.telegram_bot_token is None or not self.telegram_bot_token.get_secret_value():
            raise ValueError("TELEGRAM_BOT_TOKEN is not set; get one from @BotFather.")
        token = self.telegram_bot_token.get_secret_value().strip()
        if not _TOKEN.match(token):
            raise ValueError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (expected 123456:ABC...)."
            )
        return token
