"""In-memory implementations of the visits and signaling ports, for unit tests.

They keep the contracts the DynamoDB adapters keep (conditional writes raise the same Conflict
codes, members come back in connection-id order, rooms for a case newest first) so that the
services can be tested without a database.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from functions.access.ports import Grant, GrantPage
from functions.shared.errors import Conflict, NotFound, RateLimited
from functions.signaling.adapters import BURST_SECONDS, EMISSION_INTERVAL, MAX_IDLE_CREDIT_SECONDS
from functions.signaling.ports import Connection, Member, Socket
from functions.visits.ports import Participant, QueueEntry, Room, RoomStatus

_ROOM_FIELDS = {  # the adapter's attribute names -> Room fields
    "status": "status", "admittedAt": "admitted_at", "admittedBy": "admitted_by",
    "startedAtEpoch": "started_at_epoch", "endedAt": "ended_at", "endReason": "end_reason",
    "durationSeconds": "duration_seconds",
}


class Clock:
    def __init__(self, now: float = 1_795_680_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class MemoryGrants:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Grant] = {}

    def get(self, case_id: str, principal_id: str) -> Grant | None:
        return self.items.get((case_id, principal_id))

    def for_case(self, case_id: str) -> list[Grant]:
        return [g for (c, _), g in sorted(self.items.items()) if c == case_id]

    def for_principal(self, principal_id: str, limit: int, cursor: str | None) -> GrantPage:
        return GrantPage([g for (_, p), g in sorted(self.items.items()) if p == principal_id][:limit], None)

    def put(self, grant: Grant) -> None:
        self.items[(grant.case_id, grant.principal_id)] = grant


class MemoryVisitStore:
    def __init__(self) -> None:
        self.rooms: dict[str, Room] = {}
        self.ttl: dict[str, int | None] = {}

    def create(self, room: Room, ttl_epoch: int) -> None:
        if room.room_id in self.rooms:
            raise Conflict("exists", code="visit_exists")
        self.rooms[room.room_id] = room
        self.ttl[room.room_id] = ttl_epoch

    def get(self, room_id: str) -> Room | None:
        return self.rooms.get(room_id)

    def transition(self, room_id: str, expected: RoomStatus, changes: dict[str, Any], ttl_epoch: int | None) -> Room:
        room = self.rooms.get(room_id)
        if room is None or room.status is not expected:
            raise Conflict(f"The visit is no longer {expected.value}.", code="visit_state_changed")
        updated = dataclasses.replace(room, **{_ROOM_FIELDS[k]: v for k, v in changes.items()})
        self.rooms[room_id] = updated
        self.ttl[room_id] = ttl_epoch
        return updated

    def add_participant(self, room_id: str, participant: Participant, max_participants: int) -> Room:
        room = self.rooms.get(room_id)
        has_place = room is not None and (
            len(room.participants) < max_participants or participant.user_id in room.participants
        )
        if room is None or not has_place or room.status is not RoomStatus.ACTIVE:
            raise Conflict("The visit is full or not active.", code="room_full_or_inactive")
        joined = {"event": "joined", "userId": participant.user_id, "username": participant.username,
                  "role": participant.role, "at": participant.joined_at}
        updated = dataclasses.replace(room, participants={**room.participants, participant.user_id: participant},
                                      attendance=(*room.attendance, joined))
        self.rooms[room_id] = updated
        return updated

    def mark_left(self, room_id: str, user_id: str, left_at: str, reason: str = "left") -> None:
        room = self.rooms.get(room_id)
        if room is None or user_id not in room.participants:
            return
        left = dataclasses.replace(room.participants[user_id], left_at=left_at)
        entry = {"event": "left", "userId": user_id, "at": left_at, "reason": reason}
        self.rooms[room_id] = dataclasses.replace(room, participants={**room.participants, user_id: left},
                                                  attendance=(*room.attendance, entry))

    def remove_participant(self, room_id: str, user_id: str) -> None:
        room = self.rooms.get(room_id)
        if room is None:
            raise NotFound("no such room")
        self.rooms[room_id] = dataclasses.replace(
            room, participants={k: v for k, v in room.participants.items() if k != user_id}
        )

    def put_quality(self, room_id: str, user_id: str, summary: dict[str, Any]) -> None:
        room = self.rooms[room_id]
        self.rooms[room_id] = dataclasses.replace(room, quality={**room.quality, user_id: summary})

    def for_case(self, case_id: str, limit: int) -> list[Room]:
        rooms = [r for r in self.rooms.values() if r.case_id == case_id]
        return sorted(rooms, key=lambda r: r.requested_at, reverse=True)[:limit]


class MemoryQueueStore:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, float, str], QueueEntry] = {}

    def enqueue(self, entries: list[QueueEntry], ttl_epoch: int) -> None:
        for e in entries:
            self.entries[(e.doctor_id, e.requested_at_epoch, e.room_id)] = e

    def for_doctor(self, doctor_id: str) -> list[QueueEntry]:
        return [e for key, e in sorted(self.entries.items()) if key[0] == doctor_id]

    def dequeue(self, room_id: str, doctor_ids: list[str], requested_at_epoch: float) -> None:
        for doctor in doctor_ids:
            self.entries.pop((doctor, requested_at_epoch, room_id), None)


class MemoryConnectionRegistry:
    """Connections with the adapter's rate budget (GCRA: tat, EMISSION_INTERVAL, BURST_SECONDS) and its
    member lists (stored per connection with their room and version, read only in that room)."""

    def __init__(self) -> None:
        self.rows: dict[str, Connection] = {}
        self.tat: dict[str, float] = {}
        self.lists: dict[str, tuple[str, int, tuple[Member, ...]]] = {}
        self.writes = 0  # every write the adapter would make (the relay's floor is one per frame)

    def _view(self, connection_id: str) -> Connection:
        connection = self.rows[connection_id]
        room, _, members = self.lists.get(connection_id, ("", 0, ()))
        return dataclasses.replace(connection, members=members if connection.room_id and room == connection.room_id
                                   else ())

    def add(self, connection: Connection, now: float, ttl_epoch: int) -> None:
        self.writes += 1
        self.rows[connection.connection_id] = connection
        self.tat[connection.connection_id] = now

    def get(self, connection_id: str) -> Connection | None:
        return self._view(connection_id) if connection_id in self.rows else None

    def username(self, connection: Connection) -> str:
        return self.rows[connection.connection_id].username

    def remove(self, connection_id: str) -> Connection | None:
        self.writes += 1
        old = self.get(connection_id)
        self.rows.pop(connection_id, None)
        self.tat.pop(connection_id, None)
        self.lists.pop(connection_id, None)
        return old

    def many(self, connection_ids: list[str]) -> list[Connection]:
        return [self._view(c) for c in sorted(set(connection_ids)) if c in self.rows]

    def charge(self, connection_id: str, now: float) -> Connection:
        connection = self.rows.get(connection_id)
        if connection is None:
            raise NotFound("This connection is not registered; reconnect.", code="unknown_connection")
        tat = self.tat[connection_id]
        self.writes += 1
        if now - MAX_IDLE_CREDIT_SECONDS <= tat <= now + BURST_SECONDS:
            self.tat[connection_id] = tat + EMISSION_INTERVAL
        elif tat < now - MAX_IDLE_CREDIT_SECONDS:
            self.tat[connection_id] = now
        else:
            raise RateLimited("Too many messages; slow down.", code="rate_limited")
        return self._view(connection_id)

    def heartbeat(self, connection_id: str, now: float) -> Connection:
        connection = self.rows.get(connection_id)
        if connection is not None and self.tat[connection_id] < now:
            self.writes += 1
            self.tat[connection_id] = now + EMISSION_INTERVAL
            return self._view(connection_id)
        return self.charge(connection_id, now)

    def set_room(self, connection_id: str, room_id: str | None, grant_expires_at_epoch: int | None = None) -> None:
        connection = self.rows.get(connection_id)
        if connection is None:
            raise NotFound("This connection is not registered; reconnect.", code="unknown_connection")
        self.writes += 1
        self.rows[connection_id] = dataclasses.replace(
            connection, room_id=room_id, grant_expires_at_epoch=grant_expires_at_epoch if room_id else None)
        if room_id is None:
            self.lists.pop(connection_id, None)

    def publish_members(self, connection_id: str, room_id: str, version: int, members: list[Member]) -> bool:
        connection = self.rows.get(connection_id)
        if connection is None or connection.room_id not in (None, room_id):
            return False
        held = self.lists.get(connection_id)
        if held is not None and held[0] == room_id and held[1] > version:
            return False
        self.writes += 1
        self.lists[connection_id] = (room_id, version, tuple(sorted(members, key=lambda m: m.connection_id)))
        return True

    def drop_member(self, connection_id: str, room_id: str, member_connection_id: str) -> None:
        held = self.lists.get(connection_id)
        if connection_id in self.rows and held is not None and held[0] == room_id:
            self.writes += 1
            self.lists[connection_id] = (room_id, held[1],
                                         tuple(m for m in held[2] if m.connection_id != member_connection_id))

    def in_room(self, room_id: str) -> list[str]:
        return [connection_id for connection_id, c in sorted(self.rows.items()) if c.room_id == room_id]

    def of_user(self, user_id: str) -> list[Socket]:
        return [Socket(connection_id, c.room_id) for connection_id, c in sorted(self.rows.items())
                if c.user_id == user_id]


class RecordingNotifier:
    """Records every frame per connection; ids in `gone` answer like API Gateway's 410 GoneException
    (the notifier removes THAT connection from the registry and returns False)."""

    def __init__(self, registry: MemoryConnectionRegistry | None = None) -> None:
        self.sent: dict[str, list[dict[str, Any]]] = {}
        self.gone: set[str] = set()
        self.closed: list[str] = []
        self._registry = registry

    def send(self, connection_id: str, message: dict[str, Any]) -> bool:
        if connection_id in self.gone:
            if self._registry is not None:
                self._registry.remove(connection_id)
            return False
        self.sent.setdefault(connection_id, []).append(message)
        return True

    def disconnect(self, connection_id: str) -> None:
        self.closed.append(connection_id)
        if self._registry is not None:
            self._registry.remove(connection_id)

    def to(self, connection_id: str) -> list[dict[str, Any]]:
        return self.sent.get(connection_id, [])

    def take(self, connection_id: str) -> list[dict[str, Any]]:
        return self.sent.pop(connection_id, [])

    def clear(self) -> None:
        self.sent.clear()


class RecordingUserNotifier:
    """UserNotifier for VisitService tests: what each user was told."""

    def __init__(self) -> None:
        self.told: list[tuple[str, dict[str, Any]]] = []
        self.closed: list[str] = []

    def notify_user(self, user_id: str, message: dict[str, Any]) -> int:
        self.told.append((user_id, message))
        return 1

    def close_room(self, room_id: str, connection_ids: Iterable[str] = ()) -> None:
        self.closed.append(room_id)

    def of(self, user_id: str) -> list[dict[str, Any]]:
        return [m for u, m in self.told if u == user_id]
