"""The timeline table (pynamodb): pk caseId, sk "<occurredAt>#<eventId>", read newest first.

An event's summary says what happened to a person: a score's instrument, total and band, a photo's
body site (`genital_area` among them) and capture time, a record entry's kind. It is sealed as one
value with envelope encryption (context {table "timeline", recordId "<caseId>/<eventKey>", field
"summary"}): one AES-GCM seal per event written, one open per event read, under a cached data key.
What stays readable is what orders and indexes the table: ids, the event's type and its time (the
sort key, so a page is one Query in time order; the change index the lake export reads).

Events stored before sealing hold a plaintext `summary` map: `seal_legacy_page` converts them, and a
reader meeting one raises NotMigrated instead of answering the plaintext.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any, cast

from pynamodb.attributes import BinaryAttribute, MapAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from functions.crypto.ports import FieldSealer
from functions.migrations.legacy import MigrationPage, convert_page, not_migrated
from functions.shared.clock import Clock
from functions.shared.dynamo import decode_cursor, encode_cursor, plain_map, translate_errors
from functions.timeline.ports import EventType, TimelineEvent, TimelinePage

TABLE = "timeline"


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
    summarySealed = BinaryAttribute(legacy_encoding=False, null=True)
    # Plaintext, only on events stored before sealing: read by seal_legacy_page alone, which removes it.
    summary = MapAttribute(null=True)  # type: ignore[var-annotated]
    # When the item was written (not when the event happened: a visit is written when it ends, with
    # its start time): the lake export reads changes since its last run from byChangeDay.
    changeDay = UnicodeAttribute(null=True)
    changeKey = UnicodeAttribute(null=True)
    byChangeDay = ByChangeDayIndex()


def _record_id(case_id: str, event_key: str) -> str:
    return f"{case_id}/{event_key}"


def seal_summary(event: TimelineEvent, sealer: FieldSealer) -> bytes:
    return sealer.seal(TABLE, _record_id(event.case_id, event.event_key), {"summary": event.summary},
                       case_id=event.case_id)["summary"]


def to_item(event: TimelineEvent, sealer: FieldSealer, stamp: dict[str, str] | None = None, *,
            sealed_summary: bytes | None = None) -> TimelineModel:
    """The event's item, its summary sealed (or `sealed_summary`, sealed ahead for this event;
    `stamp`: the change-index attributes)."""
    sealed = sealed_summary if sealed_summary is not None else seal_summary(event, sealer)
    stamp = stamp or {}
    return TimelineModel(caseId=event.case_id, eventKey=event.event_key, eventId=event.event_id,
                         type=event.type.value, occurredAt=event.occurred_at, actorId=event.actor_id,
                         refId=event.ref_id, summarySealed=sealed, changeDay=stamp.get("changeDay"),
                         changeKey=stamp.get("changeKey"))


def open_summary(item: TimelineModel, sealer: FieldSealer) -> dict[str, Any]:
    """An item's summary, opened (also for the lake export, which reads the change index itself)."""
    if item.summarySealed is None:
        raise not_migrated(TABLE)
    opened = sealer.open(TABLE, _record_id(item.caseId, item.eventKey), {"summary": bytes(item.summarySealed)})
    return cast(dict[str, Any], opened["summary"])


def from_item(item: TimelineModel, sealer: FieldSealer) -> TimelineEvent:
    return TimelineEvent(case_id=item.caseId, event_id=item.eventId, type=EventType(item.type),
                         occurred_at=item.occurredAt, actor_id=item.actorId, ref_id=item.refId,
                         summary=open_summary(item, sealer))


def change_stamp(event: TimelineEvent, written_at: float) -> dict[str, str]:
    """The change-index attributes of an event written at `written_at` (epoch seconds)."""
    stamp = datetime.fromtimestamp(written_at, UTC)
    text = stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
    return {"changeDay": text[:10], "changeKey": f"{text}#{event.event_id}"}


class DynamoTimelineStore:
    def __init__(self, sealer: FieldSealer, clock: Clock = time.time) -> None:
        self._sealer = sealer
        self._clock = clock

    def append(self, event: TimelineEvent) -> None:
        with translate_errors():
            to_item(event, self._sealer, change_stamp(event, self._clock())).save()

    def seal_summary(self, event: TimelineEvent) -> bytes:
        return seal_summary(event, self._sealer)

    def append_sealed(self, event: TimelineEvent, sealed_summary: bytes) -> None:
        # No key needed here: the ciphertext was sealed for this item's context by seal_summary.
        with translate_errors():
            to_item(event, self._sealer, change_stamp(event, self._clock()), sealed_summary=sealed_summary).save()

    def after(self, case_id: str, after_key: str, limit: int) -> list[TimelineEvent]:
        """Events whose key sorts after `after_key` (an ISO time: events that happened since), oldest
        first; one Query reading only those."""
        with translate_errors():
            return [from_item(item, self._sealer) for item in
                    TimelineModel.query(case_id, TimelineModel.eventKey > after_key, limit=limit, page_size=limit)]

    def append_many(self, events: list[TimelineEvent]) -> None:
        """BatchWriteItem in chunks of 25 (imports, benchmarks); pynamodb retries unprocessed items."""
        with translate_errors(), TimelineModel.batch_write() as batch:
            for event in events:
                batch.save(to_item(event, self._sealer, change_stamp(event, self._clock())))

    def page(self, case_id: str, limit: int, cursor: str | None) -> TimelinePage:
        start = decode_cursor(cursor, partition=("caseId", case_id))
        with translate_errors():
            result = TimelineModel.query(case_id, scan_index_forward=False, limit=limit, last_evaluated_key=start,
                                         page_size=limit)
            events = [from_item(item, self._sealer) for item in result]
            return TimelinePage(events, encode_cursor(result.last_evaluated_key))


def seal_legacy_page(sealer: FieldSealer, cursor: str | None, page_size: int) -> MigrationPage:
    """Seal the plaintext summaries of one Scan page of events and remove them (functions/migrations/legacy.py)."""

    def plan(item: TimelineModel) -> tuple[list[Any], Any] | None:
        if item.summary is None and item.summarySealed is not None:
            return None
        actions: list[Any] = [TimelineModel.summary.remove()] if item.summary is not None else []
        condition = TimelineModel.eventKey.exists()
        if item.summarySealed is None:
            sealed = sealer.seal(TABLE, _record_id(item.caseId, item.eventKey),
                                 {"summary": plain_map(item.summary)}, case_id=item.caseId)
            actions.append(TimelineModel.summarySealed.set(sealed["summary"]))
            condition &= TimelineModel.summarySealed.does_not_exist()
        return actions, condition

    return convert_page(TimelineModel, cursor, page_size, plan)
