"""End-to-end fixtures: the real local stack (moto + API Gateway emulation + the app) on free ports.

One stack serves the whole session. It is stopped as soon as the run leaves this folder: it points
os.environ at its moto and moto's state is process-wide, so tests elsewhere must not see it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest

from local.stack import LocalStack

E2E_DIR = Path(__file__).resolve().parent
T = TypeVar("T")

_session_stack: LocalStack | None = None


def session_stack() -> LocalStack | None:
    """The shared stack, when one was made (a module with a stack of its own stops it first)."""
    return _session_stack


WEB_DIST = E2E_DIR.parents[1] / "web" / "dist" / "index.html"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium on the built SPA, one per module (a module needing other flags defines its own)."""
    from tests.e2e.browser import chromium

    if not WEB_DIST.is_file():
        raise AssertionError("web/dist is missing: run `npm run build` in web/ before the browser tests.")
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    global _session_stack
    local = LocalStack(port=0, moto_port=0, data_dir=tmp_path_factory.mktemp("local-stack-data"))
    local.start()
    _session_stack = local
    yield local
    local.stop()
    _session_stack = None


@pytest.fixture(autouse=True)
def _stack_is_up(request: pytest.FixtureRequest) -> None:
    # A test that took the stack down (restart, own app) brings it back; so does a run that returns
    # to this folder after the stack was stopped on leaving it.
    if "stack" in request.fixturenames:
        shared: LocalStack = request.getfixturevalue("stack")
        if not shared.running:
            shared.start()


@pytest.hookimpl(trylast=True)  # after the test's own fixtures are torn down (they may restart the stack)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if _session_stack is not None and (nextitem is None or E2E_DIR not in nextitem.path.parents):
        _session_stack.stop()


@pytest.fixture
def stack_paused(stack: LocalStack) -> Iterator[LocalStack]:
    """Stops the shared stack for a test that runs its own (one stack per process); restarts it after."""
    stack.stop()
    yield stack
    stack.start()


def run(coroutine: Awaitable[T]) -> T:
    async def wrapper() -> T:
        return await coroutine

    return asyncio.run(wrapper())


class Api:
    """A small JSON client over aiohttp for the stack's REST API."""

    def __init__(self, session: aiohttp.ClientSession, stack: LocalStack) -> None:
        self.session = session
        self.stack = stack

    async def call(self, method: str, path: str, *, token: str | None = None, body: Any = None
                   ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = json.dumps(body).encode() if body is not None else None
        if data is not None:
            headers["Content-Type"] = "application/json"
        async with self.session.request(method, self.stack.api_url + path, headers=headers, data=data) as response:
            raw = await response.read()
            try:
                return response.status, json.loads(raw) if raw else None
            except ValueError:
                return response.status, raw.decode(errors="replace")

    async def login(self, username: str, password: str) -> dict[str, Any]:
        status, session = await self.call("POST", "/auth/login", body={"username": username, "password": password})
        assert status == 200, (username, status, session)
        return dict(session)

    async def token(self, username: str, password: str) -> str:
        return str((await self.login(username, password))["accessToken"])

    async def ticket(self, token: str) -> str:
        status, answer = await self.call("POST", "/ws/tickets", token=token, body={})
        assert status == 201 or status == 200, (status, answer)
        return str(answer["ticket"])
