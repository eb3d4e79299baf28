"""Frames of one connection run concurrently in AWS (API Gateway invokes a Lambda per frame, in no
order). After an idle spell the first frames take the rate budget's rare path (reset the lagging
budget to now); two of them at once must both pass, not the second be refused as `rate_limited`."""

from __future__ import annotations

import time

import pytest

from functions.bootstrap import get_container, reset_container
from functions.signaling.adapters import MAX_IDLE_CREDIT_SECONDS
from tests.functional.conftest import REGION, World
from tests.support.ws import Sockets


@pytest.fixture
def ws(world: World, monkeypatch: pytest.MonkeyPatch) -> Sockets:
    monkeypatch.setenv("WS_MANAGEMENT_ENDPOINT", world.endpoint)  # moto serves it at its root
    reset_container()
    return Sockets(world, REGION)


def test_two_frames_after_an_idle_spell_both_spend_the_budget(world: World, ws: Sockets,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    connection = ws.connect("dr.one", "c-dr-one")
    registry = get_container().connections
    later = time.time() + MAX_IDLE_CREDIT_SECONDS + 60  # no heartbeat meanwhile: the budget lags
    read = registry.get
    raced: list[str] = []

    def read_while_another_frame_resets(connection_id: str) -> object:
        # The first frame found the budget lagging and reads the item before resetting it; the other
        # frame of the same connection resets it in between.
        monkeypatch.setattr(registry, "get", read)
        raced.append(registry.charge(connection_id, later).connection_id)
        return read(connection_id)

    monkeypatch.setattr(registry, "get", read_while_another_frame_resets)
    assert registry.charge(connection, later).connection_id == connection
    assert raced == [connection]
    # Two frames spent from the budget just reset: the next ones still fit.
    assert registry.charge(connection, later).connection_id == connection
