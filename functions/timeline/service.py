"""Reading a case's timeline, newest first, one page at a time."""

from __future__ import annotations

from typing import Any

from functions.access.service import AccessPolicy
from functions.shared.auth import Principal
from functions.timeline.ports import TimelineEvent, TimelineStore


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
        return {"items": [event_view(e) for e in page.events], "nextCursor": page.cursor}
