"""The timeline table (pynamodb): pk caseId, sk "<occurredAt>#<eventId>", read newest first."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from pynamodb.attributes import MapAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from functions.shared.clock import Clock
from functions.shared.dynamo import ItemMap, decode_cursor, encode_cursor, translate_errors
from functions.timeline.ports import TimelineEvent, TimelinePage


class ByChangeDayIndex(GlobalSecondaryIndex["TimelineModel"]):
    class Meta:
        index_name = "byChangeDay"
        projection = AllProjection()

    changeDay = UnicodeAttribute(hash_key=True)
    changeKey = UnicodeAttribute(range_key=True)


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
    # When the item was written (not when the event happened: a visit is written when it ends, with
    # its start time): the lake export reads changes since its last run from byChangeDay.
    changeDay = UnicodeAttribute(null=True)
    changeKey = UnicodeAttribute(null=True)
    byChangeDay = ByChangeDayIndex()


# eventKey "<occurredAt>#<eventId>" orders a case's events; the event computes it.
TIMELINE_ITEM = ItemMap(TimelineEvent, TimelineModel, derived=lambda event: {"eventKey": event.event_key})


def change_stamp(event: TimelineEvent, written_at: float) -> dict[str, str]:
    """The change-index attributes of an event written at `written_at` (epoch seconds)."""
    stamp = datetime.fromtimestamp(written_at, UTC)
    text = stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
    return {"changeDay": text[:10], "changeKey": f"{text}#{event.event_id}"}


class DynamoTimelineStore:
    def __init__(self, clock: Clock = time.time) -> None:
        self._clock = clock

    def append(self, event: TimelineEvent) -> None:
        with translate_errors():
            TIMELINE_ITEM.to_item(event, **change_stamp(event, self._clock())).save()

    def after(self, case_id: str, after_key: str, limit: int) -> list[TimelineEvent]:
        """Events whose key sorts after `after_key` (an ISO time: events that happened since), oldest
        first; one Query reading only those."""
        with translate_errors():
            return [TIMELINE_ITEM.from_item(item) for item in
                    TimelineModel.query(case_id, TimelineModel.eventKey > after_key, limit=limit, page_size=limit)]

    def append_many(self, events: list[TimelineEvent]) -> None:
        """BatchWriteItem in chunks of 25 (imports, benchmarks); pynamodb retries unprocessed items."""
        with translate_errors(), TimelineModel.batch_write() as batch:
            for event in events:
                batch.save(TIMELINE_ITEM.to_item(event, **change_stamp(event, self._clock())))

    def page(self, case_id: str, limit: int, cursor: str | None) -> TimelinePage:
        start = decode_cursor(cursor, partition=("caseId", case_id))
        with translate_errors():
            result = TimelineModel.query(case_id, scan_index_forward=False, limit=limit, last_evaluated_key=start,
                                         page_size=limit)
            events = [TIMELINE_ITEM.from_item(item) for item in result]
            return TimelinePage(events, encode_cursor(result.last_evaluated_key))
