"""Reading a case's timeline, newest first, one page at a time."""

from __future__ import annotations

from typing import Any

from functions.access.service import AccessPolicy
from functions.shared.auth import Principal, Role
from functions.timeline.ports import PATIENT_VISIBLE, EventType, TimelineEvent, TimelineStore


def event_view(event: TimelineEvent) -> dict[str, Any]:
    return {
        "eventId": event.event_id,
        "type": event.type.value,
        "occurredAt": event.occurred_at,
        "actorId": event.actor_id,
        "refId": event.ref_id,
        "summary": event.summary,
    }


class TimelineService:
    def __init__(self, store: TimelineStore, access: AccessPolicy) -> None:
        self._store = store
        self._access = access

    def page(self, principal: Principal, case_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
        self._access.require_case(principal, case_id, action="timeline.read")
        page = self._store.page(case_id, limit, cursor)
        events = page.events
        if principal.role is Role.PATIENT:
            # Filtered after the read, so a patient's page may hold fewer than `limit` events (the
            # cursor still moves on); clinician-only events are a small share of a case's history.
            events = [event for event in events if visible_to_patient(event)]
        return {"items": [event_view(e) for e in events], "nextCursor": page.cursor}


def visible_to_patient(event: TimelineEvent) -> bool:
    default = event.type is not EventType.RECORD  # record events written before the flag existed
    return bool(event.summary.get(PATIENT_VISIBLE, default))
