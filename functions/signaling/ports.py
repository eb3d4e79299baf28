from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Connection:
    connection_id: str
    user_id: str
    username: str
    roles: str
    connected_at: str
    room_id: str | None = None


class ConnectionRegistry(Protocol):
    def add(self, connection: Connection, ttl_epoch: int) -> None: ...

    def get(self, connection_id: str) -> Connection | None: ...

    def remove(self, connection_id: str) -> None: ...


class PeerNotifier(Protocol):
    def send(self, endpoint: str, connection_id: str, message: dict[str, Any]) -> bool:
        """Deliver one frame; False (and the stale connection removed) when it is gone."""
        ...
