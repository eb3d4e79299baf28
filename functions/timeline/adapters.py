"""The timeline table (pynamodb): pk caseId, sk "<occurredAt>#<eventId>", read newest first."""

from __future__ import annotations

from pynamodb.attributes import MapAttribute, UnicodeAttribute
from pynamodb.models import Model

from functions.shared.dynamo import decode_cursor, encode_cursor, plain_map, translate_errors
from functions.timeline.ports import EventType, TimelineEvent, TimelinePage


class TimelineModel(Model):
    class Meta:
        table_name = "unbound"

    caseId = UnicodeAttribute(hash_key=True)
    eventKey = UnicodeAttribute(range_key=True)
    eventId = UnicodeAttribute()
    type = UnicodeAttribute()
    occurredAt = UnicodeAttribute()
    actorId = UnicodeAttribute()
    refId = UnicodeAttribute()
    summary = MapAttribute(default=dict)  # type: ignore[var-annotated]




class DynamoTimelineStore:
    def append(self, event: TimelineEvent) -> None:
        with translate_errors():
            TimelineModel(
                caseId=event.case_id,
                eventKey=event.event_key,
                eventId=event.event_id,
                type=event.type.value,
                occurredAt=event.occurred_at,
                actorId=event.actor_id,
                refId=event.ref_id,
                summary=event.summary,
            ).save()

    def append_many(self, events: list[TimelineEvent]) -> None:
        """BatchWriteItem in chunks of 25 (imports, benchmarks); pynamodb retries unprocessed items."""
        with translate_errors(), TimelineModel.batch_write() as batch:
            for event in events:
                batch.save(TimelineModel(
                    caseId=event.case_id,
                    eventKey=event.event_key,
                    eventId=event.event_id,
                    type=event.type.value,
                    occurredAt=event.occurred_at,
                    actorId=event.actor_id,
                    refId=event.ref_id,
                    summary=event.summary,
                ))

    def page(self, case_id: str, limit: int, cursor: str | None) -> TimelinePage:
        start = decode_cursor(cursor, partition=("caseId", case_id))
        with translate_errors():
            result = TimelineModel.query(case_id, scan_index_forward=False, limit=limit, last_evaluated_key=start,
                                         page_size=limit)
            events = [
                TimelineEvent(
                    case_id=item.caseId,
                    event_id=item.eventId,
                    type=EventType(item.type),
                    occurred_at=item.occurredAt,
                    actor_id=item.actorId,
                    ref_id=item.refId,
                    summary=plain_map(item.summary),
                )
                for item in result
            ]
            return TimelinePage(events, encode_cursor(result.last_evaluated_key))
