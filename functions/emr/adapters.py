"""Record entries and versions in DynamoDB (pynamodb), sealed field by field; and the record's
read-only views of other capabilities (case owner, visits, photos, scores, demographics).

Every content field and the retraction reason are sealed (`functions.crypto`) before an item is
built, with the context {table, recordId = caseId/entryId/vN, field}: a ciphertext opens only in
the table, entry, version and field it was written for. Kind, status, version, ids, times and
authors stay plaintext: they carry no clinical content and drive keys, conditions and filters.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection
from typing import Any, Protocol

from pynamodb.attributes import BinaryAttribute, ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from functions.crypto.ports import FieldSealer
from functions.emr.kinds import KIND_PREFIX, EntryKind, EntryStatus, VersionAction
from functions.emr.ports import (
    ENTRY_ITEM,
    VERSION_ITEM,
    ClinicalFacts,
    Demographics,
    Links,
    PhotoFacts,
    RecordEntry,
    RecordPage,
    RecordVersion,
    ScoreFacts,
    VersionPage,
    VisitFacts,
)
from functions.shared.dynamo import decode_cursor, encode_cursor, translate_errors
from functions.shared.errors import DomainError
from functions.shared.observability import log_warning
from functions.shared.tables import RECORD_VERSIONS, RECORDS
from functions.shared.transact import TransactItem, put_item

REASON_FIELD = "retractionReason"
# Entry items and version items hold the same data (the entry repeats its current version), so
# they share the data keys of one purpose; the table in each field's context still tells them apart.
KEY_PURPOSE = "emr"
MAX_SOURCE_PAGES = 20  # an export reads at most this many 100-item pages of photos or scores per case


class VersionStateAttributes(Model):
    """What an entry item and a version item both hold: one version's state (see _shared_attributes).
    Not a table: the two models below inherit these attributes and add their own keys."""

    patientId = UnicodeAttribute()
    kind = UnicodeAttribute()
    status = UnicodeAttribute()
    action = UnicodeAttribute()
    authorId = UnicodeAttribute()
    authorRole = UnicodeAttribute()
    at = UnicodeAttribute()
    changedFields = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[var-annotated]
    visitIds = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[var-annotated]
    photoIds = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[var-annotated]
    content = MapAttribute(default=dict)  # type: ignore[var-annotated]  # field name -> ciphertext
    reason = BinaryAttribute(legacy_encoding=False, null=True)  # ciphertext


class RecordModel(VersionStateAttributes):
    """The entry at its current version: the optimistic-lock pointer."""

    class Meta:
        table_name = "unbound"

    caseId = UnicodeAttribute(hash_key=True)
    entryId = UnicodeAttribute(range_key=True)
    version = NumberAttribute()
    createdAt = UnicodeAttribute()
    createdBy = UnicodeAttribute()


class RecordVersionModel(VersionStateAttributes):
    """One immutable version (written once with attribute_not_exists; never updated)."""

    class Meta:
        table_name = "unbound"

    entryId = UnicodeAttribute(hash_key=True)
    version = NumberAttribute(range_key=True)
    caseId = UnicodeAttribute()


def sealed_record_id(case_id: str, entry_id: str, version: int) -> str:
    return f"{case_id}/{entry_id}/v{version}"


def _raw_map(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return dict(value.as_dict()) if hasattr(value, "as_dict") else dict(value)


class DynamoRecordStore:
    def __init__(self, sealer: FieldSealer) -> None:
        self._sealer = sealer

    # --- writes (staged into the audit transaction) -----------------------------------------
    def stage_create(self, entry: RecordEntry) -> list[TransactItem]:
        return [
            put_item(ENTRY_ITEM, self._entry_item(entry), condition=RecordModel.entryId.does_not_exist()),
            put_item(VERSION_ITEM, self._version_item(entry.current),
                     condition=RecordVersionModel.version.does_not_exist()),
        ]

    def stage_version(self, entry: RecordEntry, expected_version: int) -> list[TransactItem]:
        return [
            # A full put of the pointer, only over the version the editor saw.
            put_item(ENTRY_ITEM, self._entry_item(entry), condition=RecordModel.version == expected_version),
            put_item(VERSION_ITEM, self._version_item(entry.current),
                     condition=RecordVersionModel.version.does_not_exist()),
        ]

    def import_entries(self, entries: list[RecordEntry]) -> None:
        """Batch-write entries with their versions (importing a clinic's history: no conditions, no audit
        entries of their own; 25 items per request instead of one transaction per entry)."""
        with translate_errors(), RecordModel.batch_write() as pointers, RecordVersionModel.batch_write() as versions:
            for entry in entries:
                pointers.save(self._entry_item(entry))
                versions.save(self._version_item(entry.current))

    # --- reads ------------------------------------------------------------------------------
    def get_many(self, keys: list[tuple[str, str]]) -> list[RecordEntry]:
        """Entries by (caseId, entryId), up to 100 keys per request; missing ones are left out."""
        if not keys:
            return []
        with translate_errors():
            items = list(RecordModel.batch_get(list(dict.fromkeys(keys))))
        return [self._entry(item) for item in items]

    def get(self, case_id: str, entry_id: str) -> RecordEntry | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                item = RecordModel.get(case_id, entry_id, consistent_read=True)
            except DoesNotExist:
                return None
        return self._entry(item)

    def exists(self, case_id: str, entry_id: str) -> bool:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                RecordModel.get(case_id, entry_id, consistent_read=True, attributes_to_get=["entryId"])
            except DoesNotExist:
                return False
        return True

    def for_case(self, case_id: str, kinds: Collection[EntryKind] | None, include_retracted: bool, limit: int,
                 cursor: str | None) -> RecordPage:
        start = decode_cursor(cursor, partition=("caseId", case_id))
        range_condition = None
        filters: list[Any] = []
        if kinds is not None and len(kinds) == 1:
            range_condition = RecordModel.entryId.startswith(KIND_PREFIX[next(iter(kinds))] + "_")
        elif kinds is not None:
            filters.append(RecordModel.kind.is_in(*sorted(kind.value for kind in kinds)))
        if not include_retracted:
            filters.append(RecordModel.status == EntryStatus.ACTIVE.value)
        filter_condition = None
        for condition in filters:
            filter_condition = condition if filter_condition is None else filter_condition & condition
        with translate_errors():
            result = RecordModel.query(case_id, range_condition, filter_condition, scan_index_forward=False,
                                       limit=limit, page_size=limit, last_evaluated_key=start)
            items = list(result)
            next_cursor = encode_cursor(result.last_evaluated_key)
        return RecordPage([self._entry(item) for item in items], next_cursor)

    def history(self, entry_id: str, limit: int, cursor: str | None) -> VersionPage:
        start = decode_cursor(cursor, partition=("entryId", entry_id))
        with translate_errors():
            result = RecordVersionModel.query(entry_id, scan_index_forward=False, limit=limit, page_size=limit,
                                              last_evaluated_key=start, consistent_read=True)
            items = list(result)
            next_cursor = encode_cursor(result.last_evaluated_key)
        return VersionPage([self._version(item) for item in items], next_cursor)

    # --- mapping ----------------------------------------------------------------------------
    def _sealed(self, table: str, version: RecordVersion) -> tuple[dict[str, bytes], bytes | None]:
        record_id = sealed_record_id(version.case_id, version.entry_id, version.version)
        fields: dict[str, object] = dict(version.content)
        if version.reason is not None:
            fields[REASON_FIELD] = version.reason
        sealed = self._sealer.seal(table, record_id, fields, purpose=KEY_PURPOSE, case_id=version.case_id)
        reason = sealed.pop(REASON_FIELD, None)
        content = sealed
        return content, reason

    def _shared_attributes(self, version: RecordVersion, table: str) -> dict[str, Any]:
        content, reason = self._sealed(table, version)
        return {
            "patientId": version.patient_id,
            "kind": version.kind.value,
            "status": version.status.value,
            "action": version.action.value,
            "authorId": version.author_id,
            "authorRole": version.author_role,
            "at": version.at,
            "changedFields": list(version.changed_fields),
            "visitIds": list(version.links.visit_ids),
            "photoIds": list(version.links.photo_ids),
            "content": content,
            "reason": reason,
        }

    def _entry_item(self, entry: RecordEntry) -> RecordModel:
        version = entry.current
        return RecordModel(
            caseId=version.case_id, entryId=version.entry_id, version=version.version,
            createdAt=entry.created_at, createdBy=entry.created_by,
            **self._shared_attributes(version, RECORDS.logical_name),
        )

    def _version_item(self, version: RecordVersion) -> RecordVersionModel:
        return RecordVersionModel(
            entryId=version.entry_id, version=version.version, caseId=version.case_id,
            **self._shared_attributes(version, RECORD_VERSIONS.logical_name),
        )

    def _opened(self, table: str, case_id: str, entry_id: str, version: int, item: Any) -> RecordVersion:
        record_id = sealed_record_id(case_id, entry_id, version)
        sealed = _raw_map(item.content)
        if item.reason is not None:
            sealed[REASON_FIELD] = bytes(item.reason)
        content = self._sealer.open(table, record_id, sealed, purpose=KEY_PURPOSE)
        reason_value = content.pop(REASON_FIELD, None)
        reason = str(reason_value) if reason_value is not None else None
        return RecordVersion(
            case_id=case_id,
            entry_id=entry_id,
            patient_id=item.patientId,
            kind=EntryKind(item.kind),
            version=version,
            status=EntryStatus(item.status),
            action=VersionAction(item.action),
            content=dict(content),
            links=Links(tuple(item.visitIds or ()), tuple(item.photoIds or ())),
            author_id=item.authorId,
            author_role=item.authorRole,
            at=item.at,
            changed_fields=tuple(item.changedFields or ()),
            reason=reason,
        )

    def _entry(self, item: RecordModel) -> RecordEntry:
        current = self._opened(RECORDS.logical_name, item.caseId, item.entryId, int(item.version), item)
        return RecordEntry(current, item.createdAt, item.createdBy)

    def _version(self, item: RecordVersionModel) -> RecordVersion:
        return self._opened(RECORD_VERSIONS.logical_name, item.caseId, item.entryId, int(item.version), item)


# --- views of other capabilities -----------------------------------------------------------------
class _CaseLookup(Protocol):
    def get(self, case_id: str) -> Any: ...


class CasePatients:
    """Case -> patient, remembered: a case never changes owner, so a hit is always right."""

    def __init__(self, cases: _CaseLookup, max_entries: int = 4096) -> None:
        self._cases = cases
        self._known: OrderedDict[str, str] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def patient_of(self, case_id: str) -> str | None:
        with self._lock:
            if case_id in self._known:
                self._known.move_to_end(case_id)
                return self._known[case_id]
        record = self._cases.get(case_id)
        if record is None:
            return None
        with self._lock:
            self._known[case_id] = str(record.patient_id)
            while len(self._known) > self._max:
                self._known.popitem(last=False)
        return str(record.patient_id)


class _RoomLookup(Protocol):
    def get(self, room_id: str) -> Any: ...

    def for_case(self, case_id: str, limit: int) -> list[Any]: ...


class VisitCases:
    def __init__(self, rooms: _RoomLookup) -> None:
        self._rooms = rooms

    def case_of(self, visit_id: str) -> str | None:
        room = self._rooms.get(visit_id)
        return str(room.case_id) if room is not None else None


class _PhotoPages(Protocol):
    def for_case(self, case_id: str, limit: int, cursor: str | None) -> tuple[list[Any], str | None]: ...


class _ScoreSeries(Protocol):
    def series(self, case_id: str, instrument: str | None, limit: int, cursor: str | None,
               newest_first: bool) -> tuple[list[Any], str | None]: ...


class CapabilitySources:
    """What the FHIR export reads from the visits, images and scores capabilities and the directory."""

    def __init__(self, rooms: _RoomLookup, photos: _PhotoPages | None, scores: _ScoreSeries | None,
                 cognito: Callable[[], Any] | None, user_pool_id: str) -> None:
        self._rooms = rooms
        self._photos = photos
        self._scores = scores
        self._cognito = cognito
        self._pool = user_pool_id

    def facts_for_case(self, case_id: str) -> ClinicalFacts:
        facts = ClinicalFacts()
        for room in self._rooms.for_case(case_id, limit=100):
            facts.visits.append(VisitFacts(
                visit_id=room.room_id, case_id=room.case_id, status=str(room.status.value), end_reason=room.end_reason,
                requested_at=room.requested_at, started_at=room.admitted_at, ended_at=room.ended_at,
                participant_ids=tuple(sorted(room.participants)),
            ))
        if self._photos is not None:
            for photo in _all_pages(lambda cursor: self._photos.for_case(case_id, 100, cursor)):  # type: ignore[union-attr]
                facts.photos.append(PhotoFacts(
                    photo_id=photo.photo_id, case_id=case_id, taken_at=photo.captured_at, body_site=photo.body_site,
                    width=photo.width, height=photo.height,
                ))
        if self._scores is not None:
            series = _all_pages(lambda cursor: self._scores.series(case_id, None, 100, cursor, False))  # type: ignore[union-attr]
            for score in series:
                facts.scores.append(ScoreFacts(
                    score_id=score.score_id, case_id=case_id, at=score.recorded_at, instrument=score.instrument,
                    value=float(score.total) if score.total is not None else None,
                ))
        return facts

    def demographics(self, patient_id: str) -> Demographics:
        """Name and contact from the user directory; just the id when it has none or fails."""
        from botocore.exceptions import BotoCoreError, ClientError

        if self._cognito is None or not self._pool or '"' in patient_id or "\\" in patient_id:
            return Demographics(patient_id)
        try:
            users = self._cognito().list_users(UserPoolId=self._pool, Filter=f'sub = "{patient_id}"', Limit=1)
        except (ClientError, BotoCoreError):
            log_warning("directory lookup failed", job="fhir_export", code="directory_unavailable")
            return Demographics(patient_id)
        if not users.get("Users"):
            return Demographics(patient_id)
        attributes = {a["Name"]: a["Value"] for a in users["Users"][0].get("Attributes", [])}
        return Demographics(patient_id, attributes.get("name"), attributes.get("email"),
                            attributes.get("phone_number"))


def _all_pages(fetch: Callable[[str | None], tuple[list[Any], str | None]]) -> list[Any]:
    items: list[Any] = []
    cursor: str | None = None
    for _ in range(MAX_SOURCE_PAGES):
        try:
            page, cursor = fetch(cursor)
        except DomainError as error:
            # Another capability's store failing must not hide the record itself: export what we have.
            log_warning("export source failed", job="fhir_export", code=error.code)
            return items
        items += page
        if not cursor:
            break
    return items
