from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class RoomStatus(StrEnum):
    WAITING = "waiting"
    ACTIVE = "active"
    ENDED = "ended"


@dataclass(frozen=True)
class Participant:
    user_id: str
    username: str
    role: str
    joined_at: str
    connection_id: str | None
    left_at: str | None = None


@dataclass(frozen=True)
class Room:
    room_id: str
    case_id: str
    patient_id: str
    patient_username: str
    status: RoomStatus
    requested_at: str
    requested_at_epoch: float
    admitted_at: str | None = None
    admitted_by: str | None = None
    started_at_epoch: float | None = None
    ended_at: str | None = None
    end_reason: str | None = None
    duration_seconds: int | None = None
    participants: dict[str, Participant] = field(default_factory=dict)
    quality: dict[str, dict[str, Any]] = field(default_factory=dict)
    doctor_ids: tuple[str, ...] = ()
    attendance: tuple[dict[str, Any], ...] = ()  # every join and leave, in order (the record keeps it)


@dataclass(frozen=True)
class QueueEntry:
    doctor_id: str
    room_id: str
    case_id: str
    patient_id: str
    patient_username: str
    requested_at: str
    requested_at_epoch: float


class VisitStore(Protocol):
    def create(self, room: Room, ttl_epoch: int) -> None: ...

    def get(self, room_id: str) -> Room | None: ...

    def transition(self, room_id: str, expected: RoomStatus, changes: dict[str, Any], ttl_epoch: int | None) -> Room:
        """Move a room out of `expected` (conditional write); Conflict if it is no longer there."""
        ...

    def add_participant(self, room_id: str, participant: Participant, max_participants: int) -> Room:
        """Add or resume a participant; Conflict(code=room_full) past the cap."""
        ...

    def mark_left(self, room_id: str, user_id: str, left_at: str, reason: str = "left") -> None:
        """Record that a participant left (the attendance log keeps it even after their place is freed)."""
        ...

    def remove_participant(self, room_id: str, user_id: str) -> None: ...

    def put_quality(self, room_id: str, user_id: str, summary: dict[str, Any]) -> None: ...

    def for_case(self, case_id: str, limit: int) -> list[Room]: ...


class QueueStore(Protocol):
    def enqueue(self, entries: list[QueueEntry], ttl_epoch: int) -> None: ...

    def for_doctor(self, doctor_id: str) -> list[QueueEntry]:
        """Oldest first."""
        ...

    def dequeue(self, room_id: str, doctor_ids: list[str], requested_at_epoch: float) -> None: ...


class UserNotifier(Protocol):
    def notify_user(self, user_id: str, message: dict[str, Any]) -> int:
        """Send a frame to every live connection of the user; how many got it."""
        ...

    def close_room(self, room_id: str, connection_ids: Iterable[str] = ()) -> None:
        """Detach every socket from an ended room so nothing more is relayed in it; `connection_ids`:
        the sockets its participants hold (a room index may not list the newest yet)."""
        ...
