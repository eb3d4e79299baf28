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
    # When the grant that let this socket join its room ends (invited doctors; None: no end). Stored
    # with the room so every frame checks it for free: the rate-budget write already returns the item.
    grant_expires_at_epoch: int | None = None


class ConnectionRegistry(Protocol):
    def add(self, connection: Connection, now: float, ttl_epoch: int) -> None: ...

    def get(self, connection_id: str) -> Connection | None: ...

    def remove(self, connection_id: str) -> None: ...

    def charge(self, connection_id: str, now: float) -> Connection:
        """Spend one message of the connection's rate budget and return the stored connection,
        in ONE conditional write. Raise RateLimited, or NotFound for an unknown connection."""
        ...

    def heartbeat(self, connection_id: str, now: float) -> Connection:
        """Like `charge` for a ping, but also pulls a lagging budget up to now (still one write)."""
        ...

    def set_room(self, connection_id: str, room_id: str | None, grant_expires_at_epoch: int | None = None) -> None:
        """Join (or, with None, leave) a room; the grant's end is stored with it."""
        ...

    def members(self, room_id: str) -> list[Connection]:
        """Connections joined to the room: one Query on the room key, never a Scan."""
        ...

    def of_user(self, user_id: str) -> list[Connection]: ...


class PeerNotifier(Protocol):
    def send(self, connection_id: str, message: dict[str, Any]) -> bool:
        """Deliver one frame; False (and that stale connection removed) when it is gone."""
        ...

    def disconnect(self, connection_id: str) -> None:
        """Close the socket from the server side (API Gateway DeleteConnection); gone is fine."""
        ...
