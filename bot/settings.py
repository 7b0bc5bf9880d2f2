"""Settings: the only place that reads the environment."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, FilePath, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from messages.safety import DEFAULT_RESOURCES

# Telegram tokens look like "123456789:AAE..." (bot id, colon, 30+ url-safe characters).
_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")


class Settings(BaseSettings):
    """Attune's configuration, from environment variables (and an optional `.env`)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str | None = Field(default=None, alias="TELEGRAM_API_BASE_URL")
    database_url: str = Field(default="sqlite+aiosqlite:///attune.db", alias="DATABASE_URL")
    tick_seconds: float = Field(default=10.0, gt=0, le=3600, alias="ATTUNE_TICK_SECONDS")
    grace_minutes: int = Field(default=60, ge=0, le=24 * 60, alias="ATTUNE_GRACE_MINUTES")
    rate_limit: float = Field(default=25.0, gt=0, alias="ATTUNE_RATE_LIMIT")
    chat_rate_limit: float = Field(default=1.0, gt=0, alias="ATTUNE_CHAT_RATE_LIMIT")
    claim_lease_seconds: float = Field(default=120.0, gt=0, alias="ATTUNE_CLAIM_LEASE_SECONDS")
    data_key: SecretStr | None = Field(default=None, alias="ATTUNE_DATA_KEY")
    env: Literal["production", "development"] = Field(default="production", alias="ATTUNE_ENV")
    operator_contact: str = Field(default="", alias="ATTUNE_OPERATOR_CONTACT")
    crisis_resources: FilePath = Field(default=DEFAULT_RESOURCES, alias="ATTUNE_CRISIS_RESOURCES")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="LOG_LEVEL"
    )

    log_format: Literal["text", "json"] = Field(default="text", alias="LOG_FORMAT")

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
