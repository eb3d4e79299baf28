"""The local WebSocket gateway runs one connection's frames one after another unless told otherwise;
with `concurrent_events` > 1 that many run at once (API Gateway promises no order), which the load
benchmark uses to put several frames of one connection in flight together."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from chalice.app import Chalice

from local.ws_gateway import WS_PATH, WebSocketGateway

FRAMES = 3


async def most_frames_at_once(concurrent_events: int) -> int:
    app = Chalice("probe")
    app.experimental_feature_flags.update(["WEBSOCKETS"])
    lock = threading.Lock()
    state = {"running": 0, "most": 0, "done": 0}

    @app.on_ws_message()
    def message(event: Any) -> None:
        with lock:
            state["running"] += 1
            state["most"] = max(state["most"], state["running"])
        time.sleep(0.2)  # long enough for the other frames to arrive meanwhile
        with lock:
            state["running"] -= 1
            state["done"] += 1

    with ThreadPoolExecutor(max_workers=FRAMES + 1) as executor:
        gateway = WebSocketGateway(app, executor)
        gateway.concurrent_events = concurrent_events
        server = web.Application()
        server.add_routes(gateway.routes())
        async with TestClient(TestServer(server)) as client:
            socket = await client.ws_connect(WS_PATH)
            for index in range(FRAMES):
                await socket.send_str(f'{{"n":{index}}}')
            deadline = time.monotonic() + 10
            while state["done"] < FRAMES and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            await socket.close()
    assert state["done"] == FRAMES
    return state["most"]


@pytest.fixture(autouse=True)
def region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # Chalice configures its (unused) posting client


def test_one_connection_s_frames_run_one_after_another_by_default() -> None:
    assert asyncio.run(most_frames_at_once(1)) == 1


def test_concurrent_events_lets_that_many_frames_of_one_connection_run_at_once() -> None:
    assert asyncio.run(most_frames_at_once(FRAMES)) == FRAMES
