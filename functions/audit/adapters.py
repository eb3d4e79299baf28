"""The audit_log table (pynamodb) and the S3 Object Lock anchor store.

One table holds the chains: entries under (chain, seq >= 1), and each chain's head marker under
("head#<chain>", 0). An entry is written only if its (chain, seq) is free, so concurrent appenders
are ordered by DynamoDB itself and numbers have no gaps; an audited read is one PutItem, and a
change's entry rides in the change's own transaction. After each append the head marker moves
forward (never back) to the entry: verification then notices entries removed from the end.
Entries with a patient are also in the byPatient index for the operations query. Nothing here
deletes or updates an entry: the functions' IAM policy could also deny DeleteItem on this table.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from functions.audit.chain import Anchor, AuditEntry, AuditEvent, ChainHead, Outcome
from functions.audit.ports import AuditFilter, AuditPage, HeadMoved, StagedWriteRejected
from functions.shared.aws import error_code
from functions.shared.dynamo import decode_cursor, encode_cursor, translate_errors
from functions.shared.errors import Conflict, DependencyUnavailable
from functions.shared.observability import log_warning
from functions.shared.transact import TransactionCancelled, TransactItem, commit, put_item

HEAD_PREFIX = "head#"
ENTRY_LABEL = "audit.entry"
ANCHOR_PREFIX = "anchors/"
_SLOT_TAKEN = frozenset({"ConditionalCheckFailedException", "TransactionConflictException"})


class ByPatientIndex(GlobalSecondaryIndex["AuditModel"]):
    class Meta:
        index_name = "byPatient"
        projection = AllProjection()

    patientId = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute(range_key=True)


class AuditModel(Model):
    class Meta:
        table_name = "unbound"

    chain = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    v = NumberAttribute()
    prevHash = UnicodeAttribute()
    entryHash = UnicodeAttribute()
    at = UnicodeAttribute()
    actorId = UnicodeAttribute()
    role = UnicodeAttribute()
    action = UnicodeAttribute()
    resourceType = UnicodeAttribute()
    resourceId = UnicodeAttribute()
    resourceIds = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[var-annotated]
    caseId = UnicodeAttribute(null=True)
    patientId = UnicodeAttribute(null=True)  # absent (not "") when unknown: it is an index key
    requestId = UnicodeAttribute(null=True)
    sourceIp = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute()
    mac = UnicodeAttribute(null=True)  # absent on entries written before MACs (legacy)
    byPatient = ByPatientIndex()


class AuditHeadModel(Model):
    """The head item of a chain: same table, its own partition ("head#<chain>", 0)."""

    class Meta:
        table_name = "unbound"

    chain = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    headSeq = NumberAttribute(null=True)
    headHash = UnicodeAttribute(null=True)
    updatedAt = UnicodeAttribute(null=True)


def _entry(item: AuditModel) -> AuditEntry:
    event = AuditEvent(
        actor_id=item.actorId,
        role=item.role,
        action=item.action,
        resource_type=item.resourceType,
        resource_id=item.resourceId,
        outcome=Outcome(item.outcome),
        patient_id=item.patientId or "",
        case_id=item.caseId or "",
        resource_ids=tuple(str(i) for i in (item.resourceIds or [])),
        request_id=item.requestId or "",
        source_ip=item.sourceIp or "",
    )
    return AuditEntry(chain=item.chain, seq=int(item.seq), prev_hash=item.prevHash, at=item.at, event=event,
                      hash=item.entryHash, format=int(item.v), mac=item.mac or "")


def _item(entry: AuditEntry) -> AuditModel:
    event = entry.event
    return AuditModel(
        chain=entry.chain,
        seq=entry.seq,
        v=entry.format,
        prevHash=entry.prev_hash,
        entryHash=entry.hash,
        at=entry.at,
        actorId=event.actor_id,
        role=event.role,
        action=event.action,
        resourceType=event.resource_type,
        resourceId=event.resource_id,
        resourceIds=list(event.resource_ids) or None,
        caseId=event.case_id or None,
        patientId=event.patient_id or None,
        requestId=event.request_id or None,
        sourceIp=event.source_ip or None,
        outcome=event.outcome.value,
        mac=entry.mac or None,
    )


def _head(item: AuditHeadModel) -> ChainHead | None:
    if item.headSeq is None or item.headHash is None:
        return None
    return ChainHead(item.chain.removeprefix(HEAD_PREFIX), int(item.headSeq), item.headHash)


class DynamoAuditStore:
    def tail(self, chain: str) -> ChainHead | None:
        with translate_errors():
            for item in AuditModel.query(chain, scan_index_forward=False, limit=1, consistent_read=True,
                                         attributes_to_get=["chain", "seq", "entryHash"]):
                return ChainHead(chain, int(item.seq), item.entryHash)
        return None

    def heads(self, chains: Sequence[str]) -> dict[str, ChainHead]:
        found: dict[str, ChainHead] = {}
        with translate_errors():
            keys = [(HEAD_PREFIX + chain, 0) for chain in chains]
            for item in AuditHeadModel.batch_get(keys, consistent_read=True):
                head = _head(item)
                if head is not None:
                    found[head.chain] = head
        return found

    def commit(self, entry: AuditEntry, staged: Sequence[TransactItem] = ()) -> None:
        from pynamodb.exceptions import PutError

        item = _item(entry)
        slot_is_free = AuditModel.seq.does_not_exist()
        if staged:
            try:
                commit([*staged, put_item(ENTRY_LABEL, item, condition=slot_is_free)])
            except TransactionCancelled as cancelled:
                staged_labels = [staged_item.label for staged_item in staged]
                if cancelled.failed(*staged_labels):
                    raise StagedWriteRejected([label for label in staged_labels if cancelled.failed(label)]) from None
                # The slot is taken, or DynamoDB saw a concurrent transaction on the same items:
                # both mean "read the tail again and retry".
                raise HeadMoved() from None
        else:
            try:
                item.save(condition=slot_is_free)
            except PutError as exc:
                # TransactionConflict: a change's transaction was writing the same slot at that
                # moment (DynamoDB refuses a plain write to an item a transaction holds). Either
                # way another append is taking the slot: read the tail again.
                if exc.cause_response_code in _SLOT_TAKEN:
                    raise HeadMoved() from None
                raise DependencyUnavailable("The database is unavailable; try again.") from exc
        self._advance_head(entry)

    def _advance_head(self, entry: AuditEntry) -> None:
        """Move the head marker to `entry` unless another append moved it further already."""
        from pynamodb.exceptions import UpdateError

        marker = AuditHeadModel(chain=HEAD_PREFIX + entry.chain, seq=0)
        try:
            marker.update(
                actions=[
                    AuditHeadModel.headSeq.set(entry.seq),
                    AuditHeadModel.headHash.set(entry.hash),
                    AuditHeadModel.updatedAt.set(entry.at),
                ],
                condition=AuditHeadModel.headSeq.does_not_exist() | (AuditHeadModel.headSeq < entry.seq),
            )
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                # The entry is written; the marker catches up with the chain's next append.
                log_warning("audit head marker not moved", code=exc.cause_response_code or "update_failed")

    def entries(self, chain: str, after_seq: int = 0) -> Iterator[AuditEntry]:
        with translate_errors():
            for item in AuditModel.query(chain, AuditModel.seq > after_seq, consistent_read=True, page_size=500):
                yield _entry(item)

    def for_patient(self, patient_id: str, limit: int, cursor: str | None,
                    only: AuditFilter | None = None) -> AuditPage:
        start = decode_cursor(cursor, partition=("patientId", patient_id))
        condition = None
        if only is not None:
            for attribute, wanted in ((AuditModel.actorId, only.actor_id), (AuditModel.action, only.action),
                                      (AuditModel.outcome, only.outcome)):
                if wanted is not None:
                    condition = attribute == wanted if condition is None else condition & (attribute == wanted)
        with translate_errors():
            result = AuditModel.byPatient.query(patient_id, scan_index_forward=False, limit=limit,
                                                last_evaluated_key=start, page_size=limit,
                                                filter_condition=condition)
            entries = [_entry(item) for item in result]
            return AuditPage(entries, encode_cursor(result.last_evaluated_key))


MAC_ALGORITHM = "HMAC_SHA_256"


class KmsEntryAuthenticator:
    """Entry MACs with a KMS HMAC key: the key never leaves KMS, so table write access alone cannot
    forge an entry. IAM decides who may GenerateMac (the appending functions) and VerifyMac."""

    def __init__(self, client_factory: Callable[[], Any], key_id: str) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self._key_id = key_id

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def mac(self, message: bytes) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.client.generate_mac(KeyId=self._key_id, Message=message, MacAlgorithm=MAC_ALGORITHM)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyUnavailable("The audit key is unavailable.", code="audit_unavailable") from exc
        return base64.b64encode(answer["Mac"]).decode()

    def valid(self, message: bytes, mac: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            raw = base64.b64decode(mac.encode(), validate=True)
        except ValueError:
            return False
        try:
            answer = self.client.verify_mac(KeyId=self._key_id, Message=message, MacAlgorithm=MAC_ALGORITHM,
                                            Mac=raw)
        except (ClientError, BotoCoreError) as exc:
            if error_code(exc) in {"KMSInvalidMacException", "ValidationException"}:
                return False
            raise DependencyUnavailable("The audit key is unavailable.", code="audit_unavailable") from exc
        return bool(answer.get("MacValid"))


class S3AnchorStore:
    """Anchors in the audit bucket; Object Lock (COMPLIANCE, declared in the template) keeps them."""

    def __init__(self, client_factory: Callable[[], Any], bucket: str) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self._bucket = bucket

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def put(self, anchor: Anchor) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        stamp = datetime.fromisoformat(anchor.at).strftime("%Y%m%dT%H%M%S.%fZ")
        key = f"{ANCHOR_PREFIX}{stamp}.json"
        try:
            # Object Lock buckets refuse writes without an integrity checksum. If-None-Match: an
            # anchor is written once; S3 refuses a PUT onto a key that exists (412).
            self.client.put_object(Bucket=self._bucket, Key=key, Body=json.dumps(anchor.document()).encode(),
                                   ContentType="application/json", ChecksumAlgorithm="SHA256", IfNoneMatch="*")
        except (ClientError, BotoCoreError) as exc:
            if error_code(exc) in {"PreconditionFailed", "ConditionalRequestConflict"}:
                raise Conflict("An anchor with this time stamp exists already.", code="anchor_exists") from exc
            raise DependencyUnavailable("The audit anchor bucket is unavailable.", code="anchor_unavailable") from exc
        return key

    def all(self) -> Iterator[Anchor]:
        """Every VERSION of every anchor: a PUT onto an anchor's key makes a new current version
        while Object Lock keeps the first, so reading only the current one would trust the forger.
        A key with more than one version (or a delete marker) is flagged `overwritten`."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            versions: dict[str, list[str]] = {}
            paginator = self.client.get_paginator("list_object_versions")
            for page in paginator.paginate(Bucket=self._bucket, Prefix=ANCHOR_PREFIX):
                for listed in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                    versions.setdefault(listed["Key"], []).append(
                        listed["VersionId"] if "ETag" in listed else "")  # "" for a delete marker
            for key in sorted(versions):
                found = versions[key]
                for version in [v for v in found if v]:
                    body = self.client.get_object(Bucket=self._bucket, Key=key, VersionId=version)["Body"].read()
                    anchor = Anchor.from_document(json.loads(body), key=key)
                    yield Anchor(anchor.at, anchor.heads, key, overwritten=len(found) > 1)
        except (ClientError, BotoCoreError) as exc:
            if error_code(exc) == "NoSuchBucket":
                raise DependencyUnavailable("The audit anchor bucket does not exist.",
                                            code="anchor_unavailable") from exc
            raise DependencyUnavailable("The audit anchor bucket is unavailable.", code="anchor_unavailable") from exc


class AuditCheckModel(Model):
    class Meta:
        table_name = "unbound"

    kind = UnicodeAttribute(hash_key=True)
    at = UnicodeAttribute(range_key=True)
    report = UnicodeAttribute()  # the verify report's view as JSON: chain names, counts, codes; no PHI
    expiresAt = NumberAttribute()


class DynamoChainCheckStore:
    KIND = "verify"

    def save(self, at: str, report: dict[str, Any], expires_at_epoch: int) -> None:
        with translate_errors():
            AuditCheckModel(self.KIND, at, report=json.dumps(report, separators=(",", ":")),
                            expiresAt=expires_at_epoch).save()

    def latest(self) -> tuple[str, dict[str, Any]] | None:
        with translate_errors():
            for item in AuditCheckModel.query(self.KIND, scan_index_forward=False, limit=1):
                return item.at, dict(json.loads(item.report))
        return None
