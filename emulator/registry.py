"""The table of emulated methods, filled by ``@handles`` in the method modules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from emulator.spec import Method
from emulator.state import EmulatorState

Handler = Callable[[EmulatorState, Method, dict[str, Any]], Awaitable[Any]]

HANDLERS: dict[str, Handler] = {}


def handles(name: str) -> Callable[[Handler], Handler]:
    """Register the decorated coroutine as the implementation of Bot API method ``name``."""

    def register(handler: Handler) -> Handler:
        HANDLERS[name.lower()] = handler
        return handler

    return register
