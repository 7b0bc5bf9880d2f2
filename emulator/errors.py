"""Telegram-shaped API errors raised by request validation and method handlers."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answered to the bot as ``{"ok": false, "error_code": ..., ...}``."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram would send for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    """Return a 400 error whose description is ``Bad Request: <message>``."""
    return ApiError(400, f"Bad Request: {message}")


def forbidden(message: str) -> ApiError:
    """Return a 403 error whose description is ``Forbidden: <message>``."""
    return ApiError(403, f"Forbidden: {message}")


class EntityParseError(Exception):
    """Malformed markup; the message is Telegram's text after ``can't parse entities:``."""


def parse_error(text: str, index: int, message: str) -> EntityParseError:
    """Build an error whose ``{offset}`` placeholder becomes the UTF-8 byte offset of ``index``."""
    offset = len(text[:index].encode("utf-8"))
    return EntityParseError(message.format(offset=offset))
