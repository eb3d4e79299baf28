"""Signaling rules: who may connect, and what each action does."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from functions.shared.auth import Principal
from functions.shared.errors import NotFound
from functions.signaling.ports import Connection, ConnectionRegistry, PeerNotifier

# API Gateway closes a socket after 2 h; keep the row a little longer so TTL is only a backstop.
CONNECTION_TTL_SECONDS = 2 * 3600 + 600


class SignalingService:
    def __init__(self, registry: ConnectionRegistry, notifier: PeerNotifier,
                 clock: Callable[[], float] = time.time) -> None:
        self._registry = registry
        self._notifier = notifier
        self._clock = clock

    def connect(self, connection_id: str, principal: Principal) -> None:
        now = self._clock()
        self._registry.add(
            Connection(
                connection_id=connection_id,
                user_id=principal.user_id,
                username=principal.username,
                roles=",".join(sorted(r.value for r in principal.roles)),
                connected_at=datetime.fromtimestamp(now, tz=UTC).isoformat(timespec="seconds"),
            ),
            ttl_epoch=int(now) + CONNECTION_TTL_SECONDS,
        )

    def disconnect(self, connection_id: str) -> None:
        self._registry.remove(connection_id)

    def sender(self, connection_id: str) -> Connection:
        connection = self._registry.get(connection_id)
        if connection is None:
            raise NotFound("This connection is not registered; reconnect.", code="unknown_connection")
        return connection

    def ping(self, endpoint: str, connection_id: str, message: dict[str, Any]) -> None:
        self.sender(connection_id)
        reply: dict[str, Any] = {"type": "pong", "serverTime": int(self._clock() * 1000)}
        if "ts" in message:
            reply["ts"] = message["ts"]
        self.reply(endpoint, connection_id, reply)

    def reply(self, endpoint: str, connection_id: str, message: dict[str, Any]) -> None:
        self._notifier.send(endpoint, connection_id, message)
