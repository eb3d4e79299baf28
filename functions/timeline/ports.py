"""The case timeline: one ordered stream of everything that happened on a case.

Capabilities append events through `TimelineWriter`; the timeline keeps a short, display-safe
summary and a reference (`refId`; the event's `type` says which capability) to the full record,
which stays in its own capability (and behind its own encryption and access checks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

# A summary key the writer of an event sets to False when the case's patient must not see the event
# (a clinician-only record event). Events of type RECORD without it are treated as clinician-only.
PATIENT_VISIBLE = "patientVisible"


class EventType(StrEnum):
    PHOTO = "photo"
    VISIT = "visit"
    SCORE = "score"
    NOTE = "note"
    RECORD = "record"
    CONSULTATION = "consultation"
    CASE = "case"


@dataclass(frozen=True)
class TimelineEvent:
    case_id: str
    event_id: str
    type: EventType
    occurred_at: str  # ISO-8601 UTC; orders the timeline
    actor_id: str
    ref_id: str
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def event_key(self) -> str:
        return f"{self.occurred_at}#{self.event_id}"


@dataclass(frozen=True)
class TimelinePage:
    events: list[TimelineEvent]
    cursor: str | None


class TimelineWriter(Protocol):
    def append(self, event: TimelineEvent) -> None:
        """Idempotent: appending the same event id at the same time twice keeps one event."""
        ...


class PresealingTimeline(TimelineWriter, Protocol):
    """For an event written later by a function that holds no field key (the photo processor: it
    parses uploaded bytes, so the field key refuses its role): the summary is sealed ahead, where
    the key is allowed, and the writer later stores that ciphertext as it is."""

    def seal_summary(self, event: TimelineEvent) -> bytes:
        """The event's summary sealed for the event's own item (its case and key)."""
        ...

    def append_sealed(self, event: TimelineEvent, sealed_summary: bytes) -> None:
        """Append `event` with `sealed_summary` as its summary (event.summary is not stored)."""
        ...


class TimelineStore(TimelineWriter, Protocol):
    def page(self, case_id: str, limit: int, cursor: str | None) -> TimelinePage:
        """Newest first; one Query of `limit` items, whatever the case's history length."""
        ...
