"""WebSocket $connect is authenticated by a single-use, short-lived ticket."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

from functions.bootstrap import get_container, reset_container
from tests.events import ws_event
from tests.functional.conftest import REGION, World


@pytest.fixture
def ws(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    # moto server mode serves the management API only at its root endpoint.
    monkeypatch.setenv("WS_MANAGEMENT_ENDPOINT", world.endpoint)
    monkeypatch.setenv("CONNECT_TICKET_TTL_SECONDS", "60")
    reset_container()
    return world


def _ticket(world: World, user: str) -> str:
    response = world.request("POST", "/ws/tickets", user=user, body={})
    assert response.status_code == 200, response.body
    return str(response.json_body["ticket"])


def _invoke(world: World, name: str, event: dict[str, Any]) -> Any:
    return world.client.lambda_.invoke(name, event).payload


def frames_sent_to(connection_id: str) -> list[dict[str, Any]]:
    backend = apigatewaymanagementapi_backends["123456789012"][REGION]
    data = backend.connections[connection_id].data.decode() if connection_id in backend.connections else ""
    decoder, frames, index = json.JSONDecoder(), [], 0
    while index < len(data):
        frame, index = decoder.raw_decode(data, index)
        frames.append(frame)
    return frames


def test_ticket_route_answers_ticket_and_ws_url(ws: World) -> None:
    body = ws.request("POST", "/ws/tickets", user="pat.a", body={}).json_body
    assert len(body["ticket"]) >= 40 and body["wsUrl"] == "ws://127.0.0.1/ws" and body["expiresAt"]


def test_connect_with_ticket_is_accepted(ws: World) -> None:
    event = ws_event("connect", connection_id="conn-accept-1", ticket=_ticket(ws, "pat.a"))
    assert _invoke(ws, "ws_connect", event)["statusCode"] == 200


def test_connect_without_ticket_is_refused(ws: World) -> None:
    assert _invoke(ws, "ws_connect", ws_event("connect", ticket=None))["statusCode"] == 401


def test_reused_ticket_is_refused(ws: World) -> None:
    ticket = _ticket(ws, "pat.a")
    assert _invoke(ws, "ws_connect", ws_event("connect", connection_id="c-first", ticket=ticket))["statusCode"] == 200
    assert _invoke(ws, "ws_connect", ws_event("connect", connection_id="c-again", ticket=ticket))["statusCode"] == 401


def test_forged_ticket_is_refused(ws: World) -> None:
    assert _invoke(ws, "ws_connect", ws_event("connect", ticket="A" * 43))["statusCode"] == 401


def test_expired_ticket_is_refused(ws: World) -> None:
    from functions.identity.adapters import DynamoTicketStore
    from functions.identity.service import ConnectTicketService
    from functions.shared.auth import Principal, Role

    _ = get_container().connect_tickets  # binds the ticket table
    issued_two_minutes_ago = ConnectTicketService(DynamoTicketStore(get_container().field_sealer), 60,
                                                  clock=lambda: time.time() - 120)
    principal = Principal(ws.users["pat.a"].user_id, "pat.a", frozenset({Role.PATIENT}))
    ticket = issued_two_minutes_ago.issue(principal).ticket
    assert _invoke(ws, "ws_connect", ws_event("connect", ticket=ticket))["statusCode"] == 401


def test_ping_on_a_connected_socket_gets_pong(ws: World) -> None:
    connection = "conn-ping-1"
    _invoke(ws, "ws_connect", ws_event("connect", connection_id=connection, ticket=_ticket(ws, "dr.one")))
    _invoke(ws, "ws_message", ws_event("message", connection_id=connection, body={"action": "ping", "ts": 5}))
    assert frames_sent_to(connection)[-1]["type"] == "pong"
    assert frames_sent_to(connection)[-1]["ts"] == 5


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{not json", "malformed_json"),
        ('{"no_action": 1}', "validation_error"),
        ('{"action": "teleport"}', "unknown_action"),
        ('{"action": "ping", "extra": true}', "validation_error"),
        ('{"action": "ping", "pad": "' + "x" * 40000 + '"}', "frame_too_large"),
    ],
)
def test_bad_frames_get_an_error_frame_and_the_socket_stays_usable(ws: World, body: str, code: str) -> None:
    connection = "conn-bad-frames"
    _invoke(ws, "ws_connect", ws_event("connect", connection_id=connection, ticket=_ticket(ws, "pat.a")))
    _invoke(ws, "ws_message", ws_event("message", connection_id=connection, body=body))
    assert frames_sent_to(connection)[-1] == {"type": "error", "code": code,
                                              "message": frames_sent_to(connection)[-1]["message"]}
    _invoke(ws, "ws_message", ws_event("message", connection_id=connection, body={"action": "ping"}))
    assert frames_sent_to(connection)[-1]["type"] == "pong"


def test_message_from_unregistered_connection_gets_error_frame(ws: World) -> None:
    _invoke(ws, "ws_message", ws_event("message", connection_id="never-connected", body={"action": "ping"}))
    assert frames_sent_to("never-connected")[-1]["code"] == "unknown_connection"


def test_disconnect_forgets_the_connection(ws: World) -> None:
    connection = "conn-bye"
    _invoke(ws, "ws_connect", ws_event("connect", connection_id=connection, ticket=_ticket(ws, "pat.a")))
    _invoke(ws, "ws_disconnect", ws_event("disconnect", connection_id=connection))
    _invoke(ws, "ws_message", ws_event("message", connection_id=connection, body={"action": "ping"}))
    assert frames_sent_to(connection)[-1]["code"] == "unknown_connection"
