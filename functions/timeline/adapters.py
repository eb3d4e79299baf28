"""The timeline table (pynamodb): pk caseId, sk "<occurredAt>#<eventId>", read newest first."""

from __future__ import annotations

from pynamodb.attributes import MapAttribute, UnicodeAttribute
from pynamodb.models import Model

from functions.shared.dynamo import ItemMap, decode_cursor, encode_cursor, translate_errors
from functions.timeline.ports import TimelineEvent, TimelinePage


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


# eventKey "<occurredAt>#<eventId>" orders a case's events; the event computes it.
TIMELINE_ITEM = ItemMap(TimelineEvent, TimelineModel, derived=lambda event: {"eventKey": event.event_key})


class DynamoTimelineStore:
    def append(self, event: TimelineEvent) -> None:
        with translate_errors():
            TIMELINE_ITEM.to_item(event).save()

    def append_many(self, events: list[TimelineEvent]) -> None:
        """BatchWriteItem in chunks of 25 (imports, benchmarks); pynamodb retries unprocessed items."""
        with translate_errors(), TimelineModel.batch_write() as batch:
            for event in events:
                batch.save(TIMELINE_ITEM.to_item(event))

    def page(self, case_id: str, limit: int, cursor: str | None) -> TimelinePage:
        start = decode_cursor(cursor, partition=("caseId", case_id))
        with translate_errors():
            result = TimelineModel.query(case_id, scan_index_forward=False, limit=limit, last_evaluated_key=start,
                                         page_size=limit)
            events = [TIMELINE_ITEM.from_item(item) for item in result]
            return TimelinePage(events, encode_cursor(result.last_evaluated_key))
