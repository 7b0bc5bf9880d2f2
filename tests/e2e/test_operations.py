"""What an operator sees: /healthz, /readyz, /metrics, and the webhook's secret check."""

from __future__ import annotations

import asyncio
import re
import socket
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.runtime import StartFailed
from emulator import BotApiEmulator
from store.db import create_engine
from store.models import User
from tests.e2e.db import all_rows, count
from tests.e2e.flows import is_prompt, onboard, opt_in_default, tick_at
from tests.e2e.harness import FakeClock, free_port, make_settings, serving
from tests.e2e.practice import rate

TEN_PM_BERLIN = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
SECRET = "s3cret-for-the-webhook-test_0123456789abcdef"


async def _get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def _ready(base: str) -> None:
    async with asyncio.timeout(5):
        while (await _get(f"{base}/readyz"))[0] != 200:  # noqa: ASYNC110 - HTTP, no event
            await asyncio.sleep(0.02)


def _metric(text: str, name: str) -> float:
    """The value of one sample line, e.g. 'attune_prompts_sent_total' or with labels."""
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert match is not None, f"{name} not in /metrics"
    return float(match.group(1))


async def test_health_readiness_and_metrics_count_without_naming_anyone(
    emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    async with serving(make_settings(emulator.root_url, database_url), clock) as (bot, runtime):
        base = f"http://127.0.0.1:{runtime.port}"
        assert await _get(f"{base}/healthz") == (200, "ok\n")
        await _ready(base)

        sam = emulator.user(user_id=6001, first_name="Sam")
        await onboard(sam)
        await opt_in_default(sam, "body_scan")
        await tick_at(bot, clock, TEN_PM_BERLIN)
        prompt = await sam.wait_for_message(is_prompt)
        await rate(sam, prompt, 4)

        status, text = await _get(f"{base}/metrics")
    assert status == 200
    assert _metric(text, "attune_prompts_sent_total") == 1
    assert _metric(text, "attune_checkins_received_total") == 1
    assert _metric(text, "attune_dispatch_lag_seconds_count") == 1
    assert _metric(text, 'attune_dispatch_lag_seconds_bucket{le="0.5"}') == 1  # sent on time
    assert _metric(text, "attune_active_people_7d") == 1
    # Counts only: no person, chat, ritual or text appears anywhere.
    for private in ("6001", "Sam", "body_scan", "scan"):
        assert private not in text


async def test_failed_prompts_and_bot_api_errors_are_counted_by_reason(
    emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    async with serving(make_settings(emulator.root_url, database_url), clock) as (bot, runtime):
        sam, kim = emulator.user(user_id=6011), emulator.user(user_id=6012)
        for person in (sam, kim):
            await onboard(person)
            await opt_in_default(person, "body_scan")
        emulator.block(kim.chat_id, notify=False)
        await tick_at(bot, clock, TEN_PM_BERLIN)
        await sam.wait_for_message(is_prompt)
        _, text = await _get(f"http://127.0.0.1:{runtime.port}/metrics")
    assert _metric(text, "attune_prompts_sent_total") == 1
    assert _metric(text, 'attune_prompts_failed_total{reason="blocked"}') == 1
    assert _metric(text, 'attune_bot_api_errors_total{code="403"}') == 1


async def test_readiness_fails_when_dispatch_stalls_or_the_database_is_gone(
    emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    # The scheduler's own tick, every 0.05 s, is what readiness watches here.
    settings = make_settings(emulator.root_url, database_url, ATTUNE_TICK_SECONDS=0.05)
    async with serving(settings, clock) as (bot, runtime):
        base = f"http://127.0.0.1:{runtime.port}"
        await _ready(base)
        services = bot.bot_data.services
        assert services.scheduler is not None
        services.scheduler.pause()  # ticks every 0.05 s: stale after 0.15 s
        await asyncio.sleep(0.3)
        status, text = await _get(f"{base}/readyz")
        assert (status, text) == (
            503,
            "not ready: dispatch has not run in the last three intervals\n",
        )
        services.scheduler.resume()
        await _ready(base)

        real = services.engine
        services.engine = create_engine("sqlite+aiosqlite:////no/such/folder/attune.db")
        try:
            # The database's last answer is kept for a second.
            async with asyncio.timeout(3):
                status, text = await _get(f"{base}/readyz")
                while status == 200:
                    await asyncio.sleep(0.05)
                    status, text = await _get(f"{base}/readyz")
        finally:
            await services.engine.dispose()
            services.engine = real
        assert (status, text) == (503, "not ready: database unreachable\n")
        assert (await _get(f"{base}/healthz"))[0] == 200  # alive all along


async def test_webhook_mode_registers_checks_the_secret_and_handles_updates(
    emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/updates"
    settings = make_settings(
        emulator.root_url,
        database_url,
        ATTUNE_MODE="webhook",
        ATTUNE_HTTP_PORT=port,
        ATTUNE_WEBHOOK_URL=url,
        ATTUNE_WEBHOOK_SECRET=SECRET,
    )
    forged = {
        "update_id": 999_999,
        "message": {
            "message_id": 1,
            "date": 1_790_000_000,
            "chat": {"id": 6099, "type": "private", "first_name": "Eve"},
            "from": {"id": 6099, "is_bot": False, "first_name": "Eve"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    async with serving(settings, clock) as (_bot, runtime):
        assert runtime.polling is None
        hook = emulator.webhook
        assert (hook["url"], hook["secret_token"]) == (url, SECRET)
        [registered] = emulator.calls_to("setWebhook")
        assert set(registered.params["allowed_updates"]) == {
            "message",
            "edited_message",
            "callback_query",
            "my_chat_member",
        }

        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1] + "X"}):
                async with http.post(url, json=forged, headers=headers) as response:
                    assert response.status == 403
            # The right secret with something that is not an update: refused, nothing done.
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with http.post(url, data=b"{not json", headers=headers) as response:
                assert response.status == 400

        # A real person's updates arrive through the emulator's webhook delivery.
        sam = emulator.user(user_id=6021, first_name="Sam")
        await sam.send("/start")
        welcome = await sam.wait_for_message()
        assert welcome.buttons
        assert all(d.status == 200 for d in emulator.webhook_deliveries)

    # Nothing from the forged requests was handled or stored.
    assert [c for c in emulator.calls if c.params.get("chat_id") == 6099] == []
    assert [u.chat_id for u in await all_rows(database_url, User)] == [6021]
    # The webhook stays registered after a stop, for the next start or another replica.
    assert emulator.webhook["url"] == url


async def test_polling_mode_removes_a_webhook_left_behind(
    emulator: BotApiEmulator, clock: FakeClock, database_url: str
) -> None:
    emulator.state.webhook = {"url": "https://bot.example.org/old", "max_connections": 40}
    async with serving(make_settings(emulator.root_url, database_url), clock) as (_bot, runtime):
        assert runtime.polling is not None
        sam = emulator.user(user_id=6031)
        await sam.send("/start")
        await sam.wait_for_message()
    assert emulator.webhook["url"] == ""
    assert await count(database_url, User) == 1


async def test_a_start_that_cannot_work_says_why_in_one_line(
    emulator: BotApiEmulator, clock: FakeClock, tmp_path: Path
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'attune.db'}"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = make_settings(emulator.root_url, database_url, ATTUNE_HTTP_PORT=port)
        with pytest.raises(StartFailed, match=f"cannot listen on 127.0.0.1:{port}"):
            async with serving(settings, clock):
                pass
    wrong_token = make_settings(
        emulator.root_url, database_url, TELEGRAM_BOT_TOKEN="999999:not-the-emulators-token-at-all"
    )
    with pytest.raises(StartFailed, match="Telegram does not accept TELEGRAM_BOT_TOKEN"):
        async with serving(wrong_token, clock):
            pass
    no_database = make_settings(emulator.root_url, "sqlite+aiosqlite:////no/such/folder/attune.db")
    with pytest.raises(StartFailed, match="cannot open the database"):
        async with serving(no_database, clock):
            pass
    broken = tmp_path / "help.toml"
    broken.write_text("[default]\nsuicide = []\n", encoding="utf-8")
    bad_help = make_settings(emulator.root_url, database_url, ATTUNE_CRISIS_RESOURCES=broken)
    with pytest.raises(StartFailed, match=r"\[default\] suicide is an empty list") as failed:
        async with serving(bad_help, clock):
            pass
    assert "\n" not in str(failed.value)
    assert not (tmp_path / "attune.db").exists()  # refused before the database was opened


async def test_a_lease_too_short_for_the_send_rate_is_warned_about(
    emulator: BotApiEmulator, clock: FakeClock, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    short = make_settings(
        emulator.root_url,
        database_url,
        ATTUNE_RATE_LIMIT=25,  # a claim may wait 16 s
        ATTUNE_CLAIM_LEASE_SECONDS=20,
    )
    async with serving(short, clock):
        pass
    assert "could be sent twice (keep it above 32 s)" in caplog.text
    caplog.clear()
    async with serving(make_settings(emulator.root_url, database_url), clock):
        pass
    assert "ATTUNE_CLAIM_LEASE_SECONDS" not in caplog.text
