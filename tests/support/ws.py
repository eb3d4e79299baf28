"""WebSocket helpers for functional tests.

Events go through the Chalice test client (`lambda_.invoke` of ws_connect / ws_message /
ws_disconnect, built from tests/events fixtures); frames the app posts back are read from what
moto's management API recorded for each connection id.
"""

from __future__ import annotations

import json
from typing import Any

from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

from tests.events import ws_event

MOTO_ACCOUNT = "123456789012"


def frames_sent_to(connection_id: str, region: str) -> list[dict[str, Any]]:
    """Every frame moto recorded for the connection, in order (frames are concatenated JSON)."""
    backend = apigatewaymanagementapi_backends[MOTO_ACCOUNT][region]
    data = backend.connections[connection_id].data.decode() if connection_id in backend.connections else ""
    decoder, frames, index = json.JSONDecoder(), [], 0
    while index < len(data):
        frame, index = decoder.raw_decode(data, index)
        frames.append(frame)
    return frames


class Sockets:
    """Connections of one test: connect with a ticket, send frames, read new frames per connection."""

    def __init__(self, world: Any, region: str) -> None:
        self._world = world
        self._region = region
        self._seen: dict[str, int] = {}

    def ticket(self, user: str) -> str:
        response = self._world.request("POST", "/ws/tickets", user=user, body={})
        assert response.status_code == 200, response.body
        return str(response.json_body["ticket"])

    def connect(self, user: str, connection_id: str) -> str:
        event = ws_event("connect", connection_id=connection_id, ticket=self.ticket(user))
        answer = self._world.client.lambda_.invoke("ws_connect", event).payload
        assert answer["statusCode"] == 200, answer
        return connection_id

    def send(self, connection_id: str, body: dict[str, Any] | str) -> None:
        self._world.client.lambda_.invoke("ws_message", ws_event("message", connection_id=connection_id, body=body))

    def disconnect(self, connection_id: str) -> None:
        self._world.client.lambda_.invoke("ws_disconnect", ws_event("disconnect", connection_id=connection_id))

    def all(self, connection_id: str) -> list[dict[str, Any]]:
        return frames_sent_to(connection_id, self._region)

    def new(self, connection_id: str) -> list[dict[str, Any]]:
        """Frames that arrived since the last `new` (or `drain`) for this connection."""
        frames = self.all(connection_id)
        start = self._seen.get(connection_id, 0)
        self._seen[connection_id] = len(frames)
        return frames[start:]

    def drain(self, *connection_ids: str) -> None:
        for connection_id in connection_ids:
            self.new(connection_id)

    def last(self, connection_id: str) -> dict[str, Any]:
        frames = self.new(connection_id)
        assert frames, f"nothing was sent to {connection_id}"
        return frames[-1]
