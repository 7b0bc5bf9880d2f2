"""The test load balancer (tests/e2e/proxy.py) in front of webhook receivers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import httpx
import pytest

from emulator import BotApiEmulator
from tests.e2e.proxy import RoundRobinProxy
from tests.emulator.receiver import Receiver, free_port
from tests.emulators import TOKEN


@pytest.fixture
async def replicas() -> AsyncIterator[tuple[Receiver, Receiver]]:
    first, second = Receiver(), Receiver(status=201)
    await first.start()
    await second.start()
    yield first, second
    await first.stop()
    await second.stop()


async def test_requests_go_round_robin_and_skip_a_dead_target(
    replicas: tuple[Receiver, Receiver],
) -> None:
    first, second = replicas
    dead = f"http://127.0.0.1:{free_port()}"
    async with (
        RoundRobinProxy([first.url, dead, second.url]) as proxy,
        aiohttp.ClientSession() as http,
    ):
        assert proxy.url.startswith("http://127.0.0.1:")
        statuses = []
        for number in range(6):
            async with http.post(
                f"{proxy.url}/hook?n={number}",
                json={"update_id": number},
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret", "Proxy-Authorization": "x"},
            ) as response:
                statuses.append((response.status, await response.text()))
    # Turns start at first, dead (-> second), second, first, dead (-> second), second.
    assert statuses == [(200, "ok"), (201, "ok"), (201, "ok")] * 2
    assert proxy.counts == {first.url: 2, dead: 0, second.url: 4}
    assert proxy.refused == {first.url: 0, dead: 2, second.url: 0}
    assert [r.path_qs for r in first.received] == ["/hook?n=0", "/hook?n=3"]
    assert second.update_ids == [1, 2, 4, 5]
    for replica in replicas:
        for received in replica.received:
            assert received.headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret"
            assert received.headers["Host"] == replica.url.removeprefix("http://")
            assert "Proxy-Authorization" not in received.headers


async def test_all_targets_dead_is_a_bad_gateway() -> None:
    targets = [f"http://127.0.0.1:{free_port()}" for _ in range(2)]
    async with RoundRobinProxy(targets) as proxy, httpx.AsyncClient() as http:
        response = await http.post(f"{proxy.url}/hook", content=b"{}")
    assert response.status_code == 502
    assert proxy.refused == dict.fromkeys(targets, 1)


async def test_the_emulator_delivers_through_the_proxy_to_both_replicas(
    replicas: tuple[Receiver, Receiver],
) -> None:
    first, second = replicas
    emulator = BotApiEmulator(TOKEN, webhook_retry_min=0.01)
    async with (
        emulator,
        RoundRobinProxy([first.url, second.url]) as proxy,
        httpx.AsyncClient(base_url=f"{emulator.root_url}/bot{TOKEN}/") as api,
    ):
        form = {"url": f"{proxy.url}/hook", "secret_token": "s3cret", "max_connections": "1"}
        assert (await api.post("setWebhook", data=form)).json()["result"] is True
        for chat_id in range(1, 5):
            emulator.push_update({"message": {"chat": {"id": chat_id}, "text": "hi"}})
        found = await emulator.state.notifier.wait_until(
            lambda: not emulator.pending_updates or None, 5.0
        )
        assert found, json.dumps(emulator.pending_updates)
    assert first.update_ids == [1, 3] and second.update_ids == [2, 4]
    assert [d.status for d in emulator.webhook_deliveries] == [200, 201, 200, 201]
    assert proxy.counts == {first.url: 2, second.url: 2}
