"""Errors told in one line, for the operator's commands and the log: never a traceback."""

from __future__ import annotations


def reason(error: BaseException) -> str:
    """An error's type and first line, for a one-line verdict."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def kind(error: BaseException) -> str:
    """An error's type and its causes' ("NetworkError from ClientConnectorError"), without
    their text: a network error's text can quote the URL it failed on, and every Bot API
    URL holds the bot token."""
    names: list[str] = []
    cause: BaseException | None = error
    while cause is not None and len(names) < 3:
        names.append(type(cause).__name__)
        cause = cause.__cause__
    return " from ".join(names)
