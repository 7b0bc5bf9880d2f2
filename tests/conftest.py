"""Suite-wide guards: no test reaches beyond this machine."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

# Database fixtures (a migrated engine per backend) and the Bot API emulator, for any test
# that asks for them.
pytest_plugins = ["tests.databases", "tests.emulators"]

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    """Refuse any connection that is not to loopback or a local socket file."""
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
            raise AssertionError(f"test tried to reach the network at {host}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test fails loudly if it tries to leave the machine."""
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)
    yield
