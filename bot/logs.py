"""Logging: one line per event, text or JSON, and never a person's data.

Our own lines carry counts, types and pseudonyms (`who`), never ratings, notes, ritual
keys, names or raw Telegram ids. Libraries log request URLs (which carry the bot token)
and message parameters (which carry what people wrote) at DEBUG, so they are held at a
floor whatever LOG_LEVEL says.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from datetime import UTC, datetime
from pathlib import Path

_LIBRARY_FLOORS = {
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "aiosqlite": logging.WARNING,
    "asyncpg": logging.WARNING,
    "apscheduler": logging.WARNING,  # a line per tick otherwise
    "aiohttp.access": logging.WARNING,
}

# A fresh salt per process: pseudonyms correlate one run's lines, and mean nothing later.
_SALT = secrets.token_bytes(16)


def who(telegram_id: int) -> str:
    """A salted, truncated hash standing in for a Telegram id in logs."""
    digest = hmac.new(_SALT, str(telegram_id).encode(), hashlib.sha256).hexdigest()
    return f"p-{digest[:12]}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the error's type)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, fmt: str = "text", *, to: Path | None = None) -> None:
    """Route every log line to stderr (or the file `to`) in the chosen format, with the
    library floors."""
    handler = logging.StreamHandler() if to is None else logging.FileHandler(to, "a", "utf-8")
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    numeric = logging.getLevelName(level)
    for name, floor in _LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, numeric))
