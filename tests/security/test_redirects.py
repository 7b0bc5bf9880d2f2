"""Finding 7: a Bot API that redirects (a captive portal, a misconfigured proxy) is not
followed, and what is logged or printed about it names the error, never a URL: the URL of
every Bot API request holds the bot token."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp import web

from tests.e2e.harness import TOKEN
from tests.e2e.processes import process_env

# Every form the token could take in a line: whole, its secret half, percent-encoded.
TOKEN_FORMS = (TOKEN, TOKEN.split(":")[1], quote(TOKEN, safe=""))


class Redirector:
    """A tiny HTTP server that answers every request with 302 to a login page that quotes
    the original URL, in its Location and its body, as captive portals do."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.root_url = ""

    async def answer(self, request: web.Request) -> web.Response:
        self.paths.append(request.path)
        location = f"{self.root_url}/login?next={quote(str(request.url), safe='')}"
        body = f'<html><body>Please log in: <a href="{location}">{location}</a></body></html>'
        return web.Response(
            status=302, headers={"Location": location}, text=body, content_type="text/html"
        )


@pytest.fixture
async def redirector() -> AsyncIterator[Redirector]:
    server = Redirector()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.root_url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()


async def _attune(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str]:
    """`python -m bot ARGS` to its end: exit status, and stdout and stderr together."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), timeout=45)
    assert process.returncode is not None
    return process.returncode, out.decode()


def _env(redirector: Redirector, tmp_path: Path) -> dict[str, str]:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}"
    return process_env(redirector.root_url, database_url, LOG_LEVEL="DEBUG")


async def test_run_follows_no_redirect_and_logs_no_token(
    redirector: Redirector, tmp_path: Path
) -> None:
    code, said = await _attune(_env(redirector, tmp_path), tmp_path, "run")
    assert code == 1, said
    assert "attune cannot start: cannot reach the Bot API" in said
    for form in TOKEN_FORMS:
        assert form not in said, said
    assert redirector.paths == [f"/bot{TOKEN}/getMe"]  # asked once, the redirect not taken


async def test_check_config_follows_no_redirect_and_prints_no_token(
    redirector: Redirector, tmp_path: Path
) -> None:
    code, said = await _attune(_env(redirector, tmp_path), tmp_path, "check-config")
    assert redirector.paths == [f"/bot{TOKEN}/getMe"]
    assert code == 1, said
    [line] = [line for line in said.splitlines() if "Bot API" in line]
    assert "PROBLEM" in line and "redirect" in line
    for form in TOKEN_FORMS:
        assert form not in said, said
