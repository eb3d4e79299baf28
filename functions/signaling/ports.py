from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Member:
    """One socket of a room as its peers' connection items carry it: where to post, who it is, and
    when its grant ends (so the relay can refuse a peer whose invitation ended without a read)."""

    connection_id: str
    user_id: str
    grant_expires_at_epoch: int | None = None


@dataclass(frozen=True)
class Socket:
    """What the byUser index projects: a socket and the room it is in."""

    connection_id: str
    room_id: str | None


@dataclass(frozen=True)
class Connection:
    """A socket. Its person's username is sealed at rest (issue 15): given here to `add`, which seals
    it; a stored connection reads back with `username` empty and the sealed value in `username_sealed`,
    opened by `ConnectionRegistry.username` only where it is needed (a join), never on a relayed frame."""

    connection_id: str
    user_id: str
    username: str
    roles: str
    connected_at: str
    room_id: str | None = None
    # When the grant that let this socket join its room ends (invited doctors; None: no end). Stored
    # with the room so every frame checks it for free: the rate-budget write already returns the item.
    grant_expires_at_epoch: int | None = None
    # The room's sockets (this one included) as last published to this item, so that the one
    # rate-budget write of a frame returns everything its relay needs. Empty outside a room.
    members: tuple[Member, ...] = ()
    username_sealed: bytes | None = None


class ConnectionRegistry(Protocol):
    def add(self, connection: Connection, now: float, ttl_epoch: int) -> None: ...

    def get(self, connection_id: str) -> Connection | None: ...

    def username(self, connection: Connection) -> str:
        """The connection's username, opened (NotMigrated for a socket stored before it was sealed)."""
        ...

    def remove(self, connection_id: str) -> Connection | None:
        """Delete the connection; what it was (one write, the old item returned), None if gone."""
        ...

    def many(self, connection_ids: list[str]) -> list[Connection]:
        """The stored connections among these ids (one strongly consistent batch read)."""
        ...

    def charge(self, connection_id: str, now: float) -> Connection:
        """Spend one message of the connection's rate budget and return the stored connection,
        in ONE conditional write. Raise RateLimited, or NotFound for an unknown connection."""
        ...

    def heartbeat(self, connection_id: str, now: float) -> Connection:
        """Like `charge` for a ping, but also pulls a lagging budget up to now (still one write)."""
        ...

    def set_room(self, connection_id: str, room_id: str | None, grant_expires_at_epoch: int | None = None) -> None:
        """Join (or, with None, leave: the member list goes too) a room; the grant's end is stored with it."""
        ...

    def publish_members(self, connection_id: str, room_id: str, version: int, members: list[Member]) -> bool:
        """Store the room's member list (as of the room's `version`) on this connection's item, unless
        it holds a newer list of that room or is in another room; False when it was not stored."""
        ...

    def drop_member(self, connection_id: str, room_id: str, member_connection_id: str) -> None:
        """Remove one (gone) socket from this connection's member list of the room."""
        ...

    def in_room(self, room_id: str) -> list[str]:
        """Ids of the connections joined to the room: one Query on byRoom (keys only), never a Scan."""
        ...

    def of_user(self, user_id: str) -> list[Socket]:
        """A user's sockets and their rooms: one Query on byUser."""
        ...


class PeerNotifier(Protocol):
    def send(self, connection_id: str, message: dict[str, Any]) -> bool:
        """Deliver one frame; False (and that stale connection removed) when it is gone."""
        ...

    def disconnect(self, connection_id: str) -> None:
        """Close the socket from the server side (API Gateway DeleteConnection); gone is fine."""
        ...
