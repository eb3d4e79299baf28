"""The single source of truth for every DynamoDB table.

The pynamodb models (in each capability's adapters), the CloudFormation template
(`infrastructure/`) and local provisioning (`local/`) are all derived from or checked against
`TABLES`; `tests/unit/test_table_contract.py` proves they agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

KeyType = Literal["S", "N", "B"]


@dataclass(frozen=True)
class Key:
    name: str
    type: KeyType = "S"


@dataclass(frozen=True)
class Index:
    name: str
    hash_key: Key
    range_key: Key | None = None
    projection: Literal["ALL", "KEYS_ONLY", "INCLUDE"] = "ALL"
    non_key_attributes: tuple[str, ...] = ()  # what an INCLUDE projection copies besides the keys

    def projection_kwargs(self) -> dict[str, Any]:
        if self.projection == "INCLUDE":
            return {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(self.non_key_attributes)}
        return {"ProjectionType": self.projection}


@dataclass(frozen=True)
class TableSpec:
    logical_name: str
    """Suffix of the physical name (`<prefix><logical_name>`) and base of the CloudFormation id."""
    hash_key: Key
    range_key: Key | None = None
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None
    purpose: str = ""

    @property
    def cfn_logical_id(self) -> str:
        return "".join(part.capitalize() for part in self.logical_name.split("_")) + "Table"

    def key_attributes(self) -> dict[str, KeyType]:
        attrs: dict[str, KeyType] = {self.hash_key.name: self.hash_key.type}
        if self.range_key:
            attrs[self.range_key.name] = self.range_key.type
        for index in self.indexes:
            attrs[index.hash_key.name] = index.hash_key.type
            if index.range_key:
                attrs[index.range_key.name] = index.range_key.type
        return attrs

    def key_schema(self) -> list[dict[str, str]]:
        return _key_schema(self.hash_key, self.range_key)

    def create_table_kwargs(self, table_name: str) -> dict[str, Any]:
        """Arguments for DynamoDB CreateTable (local provisioning and tests)."""
        kwargs: dict[str, Any] = {
            "TableName": table_name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": name, "AttributeType": type_}
                for name, type_ in sorted(self.key_attributes().items())
            ],
            "KeySchema": self.key_schema(),
        }
        if self.indexes:
            kwargs["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    "KeySchema": _key_schema(index.hash_key, index.range_key),
                    "Projection": index.projection_kwargs(),
                }
                for index in self.indexes
            ]
        return kwargs


def _key_schema(hash_key: Key, range_key: Key | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key.name, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key.name, "KeyType": "RANGE"})
    return schema


CASES = TableSpec(
    logical_name="cases",
    purpose="One item per case of skin disease; the patient's cases via byPatient.",
    hash_key=Key("caseId"),
    indexes=(Index("byPatient", Key("patientId"), Key("openedAt")),),
)

CASE_ACCESS = TableSpec(
    logical_name="case_access",
    purpose="Who may see a case: owner patient, assigned doctors, invited doctors (expiring).",
    hash_key=Key("caseId"),
    range_key=Key("principalId"),
    indexes=(Index("byPrincipal", Key("principalId"), Key("caseId")),),
    ttl_attribute="expiresAtEpoch",
)

CONNECT_TICKETS = TableSpec(
    logical_name="connect_tickets",
    purpose="Short-lived single-use tickets that authenticate a WebSocket $connect.",
    hash_key=Key("ticketHash"),
    ttl_attribute="expiresAtEpoch",
)

LOGIN_ATTEMPTS = TableSpec(
    logical_name="login_attempts",
    purpose="Failed sign-ins per account and per source address (SHA-256 keys), for the backoff.",
    hash_key=Key("attemptKey"),
    ttl_attribute="expiresAtEpoch",
)

CONNECTIONS = TableSpec(
    logical_name="connections",
    purpose="Live WebSocket connections; each carries its room's members (the relay reads no index); "
            "a room's sockets by Query on byRoom, a user's sockets on byUser.",
    hash_key=Key("connectionId"),
    # Narrow projections: the per-frame rate-budget write (`tat`) and the member list change no
    # projected attribute, so they write the base item only (1 write, not 3). roomId changes on join
    # and leave only.
    indexes=(
        Index("byRoom", Key("roomId"), Key("connectionId"), projection="KEYS_ONLY"),
        Index("byUser", Key("userId"), Key("connectionId"), projection="INCLUDE", non_key_attributes=("roomId",)),
    ),
    ttl_attribute="expiresAtEpoch",
)

VISITS = TableSpec(
    logical_name="visits",
    purpose="Video visit rooms; once ended, the item is the visit's consultation record on the case.",
    hash_key=Key("roomId"),
    indexes=(Index("byCase", Key("caseId"), Key("requestedAt")),),
    ttl_attribute="expiresAtEpoch",
)

WAITING_ROOM = TableSpec(
    logical_name="waiting_room",
    purpose="Each doctor's queue of waiting patients, oldest first.",
    hash_key=Key("doctorId"),
    range_key=Key("queueKey"),
    ttl_attribute="expiresAtEpoch",
)

TIMELINE = TableSpec(
    logical_name="timeline",
    purpose="Every event of a case (photos, visits, scores, notes, record entries), newest first by Query; "
            "byChangeDay: what was written on a day, in write order (the lake export's change feed).",
    hash_key=Key("caseId"),
    range_key=Key("eventKey"),
    indexes=(Index("byChangeDay", Key("changeDay"), Key("changeKey")),),
)

LESIONS = TableSpec(
    logical_name="lesions",
    purpose="Lesions pinned on a case's body map; a lesion keeps its id across visits.",
    hash_key=Key("caseId"),
    range_key=Key("lesionId"),
)

LESION_METRICS = TableSpec(
    logical_name="lesion_metrics",
    purpose="Objective lesion change: a lesion's baseline (sk b#<lesionId>: the photo and the doctor's outline, "
            "sealed) and one measurement per later photo (sk m#<lesionId>#<photoId>: area, redness, change, "
            "the proposed outline, sealed; aligned and flagged readable).",
    hash_key=Key("caseId"),
    range_key=Key("metricKey"),
)

PHOTOS = TableSpec(
    logical_name="photos",
    purpose="Accepted lesion photos; photoId starts with the capture time, so every key lists newest first. "
            "byLesion/bySite: a lesion's or site's photos (comparison, ghost overlay).",
    hash_key=Key("caseId"),
    range_key=Key("photoId"),
    indexes=(
        Index("byLesion", Key("caseLesion"), Key("photoId")),
        Index("bySite", Key("caseSite"), Key("photoId")),
    ),
)

PHOTO_UPLOADS = TableSpec(
    logical_name="photo_uploads",
    purpose="Upload intents behind presigned POSTs and the processor's verdict (accepted, or rejected and why).",
    hash_key=Key("photoId"),
    indexes=(Index("byCase", Key("caseId"), Key("createdAt")),),
    ttl_attribute="expiresAtEpoch",
)

SCORES = TableSpec(
    logical_name="scores",
    purpose="Severity scores and patient-reported outcomes; sk <instrument>#<recordedAt>#<scoreId> = the trend.",
    hash_key=Key("caseId"),
    range_key=Key("scoreKey"),
)

RECORDS = TableSpec(
    logical_name="records",
    purpose="Medical-record entries of a case, each at its current version (the optimistic-lock pointer); "
            "entryId starts with the kind, so begins_with lists one kind. Protected fields are sealed.",
    hash_key=Key("caseId"),
    range_key=Key("entryId"),
)

RECORD_VERSIONS = TableSpec(
    logical_name="record_versions",
    purpose="Every version of every record entry, immutable (written once, never updated or deleted).",
    hash_key=Key("entryId"),
    range_key=Key("version", "N"),
)

DATA_KEYS = TableSpec(
    logical_name="data_keys",
    purpose="Wrapped data keys of the field encryption, one per (purpose, keyId); re-wrapped on key rotation.",
    hash_key=Key("purpose"),
    range_key=Key("keyId"),
)

AUDIT_LOG = TableSpec(
    logical_name="audit_log",
    purpose="Append-only hash chains of the audit trail (chain, seq) plus each chain's head; "
            "byPatient: a patient's entries, newest first.",
    hash_key=Key("chain"),
    range_key=Key("seq", "N"),
    indexes=(Index("byPatient", Key("patientId"), Key("at")),),
)

ANALYTICS_REFERENCE = TableSpec(
    logical_name="analytics_reference",
    purpose="The nightly analyses' small reference tables (cohort outcomes, adherence, time to response) "
            "the API reads; pk the analysis, sk the cell. Small cells hold no figures.",
    hash_key=Key("analysis"),
    range_key=Key("cell"),
)

AUDIT_CHECKS = TableSpec(
    logical_name="audit_checks",
    purpose="The scheduled verification of the audit trail: one item per run (when, and per chain ok, "
            "entries and the first problem; no PHI), read by the operations screen. Kept 90 days.",
    hash_key=Key("kind"),
    range_key=Key("at"),
    ttl_attribute="expiresAt",
)

FOLLOWUPS = TableSpec(
    logical_name="followups",
    purpose="What a case's patient is asked to do by a day (ids, days, asks, state; no clinical text). "
            "openByMonth: sparse, open follow-ups only, by due month then day (the reminder job, worklists).",
    hash_key=Key("caseId"),
    range_key=Key("followupId"),
    indexes=(Index("openByMonth", Key("openMonth"), Key("openKey")),),
)

NOTICES = TableSpec(
    logical_name="notices",
    purpose="A person's in-app notices (one per follow-up and reminder step: the exactly-once key) with "
            "the delivery state of their e-mail and SMS, and the person's reminder settings.",
    hash_key=Key("userId"),
    range_key=Key("noticeId"),
)

CASE_REVIEWS = TableSpec(
    logical_name="case_reviews",
    purpose="When each doctor last marked each of their cases reviewed (ids and a time): the worklist's "
            "\"new since you last looked\".",
    hash_key=Key("doctorId"),
    range_key=Key("caseId"),
)

VISIT_RATINGS = TableSpec(
    logical_name="visit_ratings",
    purpose="A visit's rating by its patient (call and care, 1-5; the comment sealed), one per visit and "
            "rater; byMonth: a month's ratings for the clinic's figures.",
    hash_key=Key("roomId"),
    range_key=Key("raterId"),
    indexes=(Index("byMonth", Key("ratedMonth"), Key("ratedAt")),),
)

CONSULTATION_ROUNDS = TableSpec(
    logical_name="consultation_rounds",
    purpose="A case's consultation rounds (question sealed; readers, who has read, the consensus; its plan "
            "sealed); byClosedMonth: sparse, closed rounds by month, for the clinic's agreement figures.",
    hash_key=Key("caseId"),
    range_key=Key("roundId"),
    indexes=(Index("byClosedMonth", Key("closedMonth"), Key("closedAt")),),
)

CONSULTATION_READS = TableSpec(
    logical_name="consultation_reads",
    purpose="Each reader's independent read of a round, one per reader (code, grades; treatment and "
            "comment sealed).",
    hash_key=Key("roundId"),
    range_key=Key("readerId"),
)

CASE_DISCUSSION = TableSpec(
    logical_name="case_discussion",
    purpose="A case's discussion among its doctors: messages (sk m#<messageId>, time-ordered ids; the text "
            "sealed; immutable but for the author's retraction mark) and each doctor's read marker (sk r#<userId>).",
    hash_key=Key("caseId"),
    range_key=Key("itemKey"),
)

TABLES: tuple[TableSpec, ...] = (
    CASES, CASE_ACCESS, CONNECT_TICKETS, CONNECTIONS, VISITS, WAITING_ROOM, TIMELINE, LESIONS, PHOTOS, PHOTO_UPLOADS,
    SCORES, RECORDS, RECORD_VERSIONS, DATA_KEYS, AUDIT_LOG, ANALYTICS_REFERENCE, LOGIN_ATTEMPTS, FOLLOWUPS, NOTICES,
    CASE_REVIEWS, VISIT_RATINGS,
    AUDIT_CHECKS, CONSULTATION_ROUNDS, CONSULTATION_READS, CASE_DISCUSSION, LESION_METRICS,
)


def spec(logical_name: str) -> TableSpec:
    for table in TABLES:
        if table.logical_name == logical_name:
            return table
    raise KeyError(logical_name)
