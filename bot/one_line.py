"""Errors told in one line, for the operator's commands: a verdict, never a traceback."""

from __future__ import annotations


def reason(error: BaseException) -> str:
    """An error's type and first line, for a one-line verdict."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
