"""Fault injection through botocore's `before-send` hook: DynamoDB throttling and 500s, KMS and S3
errors on each write path.

The hook sits on the one botocore session every client of the functions is built from
(functions/shared/aws.py, pynamodb's connection included), so a fault reaches exactly what the
functions call and nothing the test itself reads with its own clients. For every write path it:

1. runs the change once cleanly and counts the writes it makes to DynamoDB;
2. for each step k of those writes, makes DynamoDB fail from the k-th write on (throttled, then 500),
   and for KMS and S3 makes every call fail, then asserts: a clean 503 with a stable code in the
   error shape, not one record item changed (0 partial writes) and no audit entry added;
3. the same change without faults commits and adds its audit entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from functions.bootstrap import reset_container
from functions.images.ports import upload_key
from functions.shared.aws import shared_session
from functions.shared.settings import get_settings
from functions.shared.tables import AUDIT_LOG, DATA_KEYS, TABLES
from tests.functional.conftest import REGION, World
from tests.functional.emr_support import SAMPLES
from tests.support.images import phone_jpeg

DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})
# Stable codes a failed dependency may answer with (503 each): the database, the key service.
UNAVAILABLE_CODES = frozenset({"service_unavailable", "key_unavailable", "audit_unavailable"})
# A data key stored before the record write that then failed wraps nothing readable: not record data.
NOT_RECORD_DATA = frozenset({DATA_KEYS.logical_name, AUDIT_LOG.logical_name, "login_attempts"})


def _json_error(type_: str, protocol: str) -> tuple[dict[str, str], bytes]:
    return ({"Content-Type": f"application/x-amz-json-{protocol}", "x-amzn-RequestId": "fault-injected"},
            json.dumps({"__type": type_, "message": "injected fault"}).encode())


def _xml_error(code: str) -> tuple[dict[str, str], bytes]:
    return ({"Content-Type": "application/xml", "x-amz-request-id": "fault-injected"},
            f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f"<Message>injected fault</Message><RequestId>fault-injected</RequestId></Error>".encode())


@dataclass(frozen=True)
class FaultKind:
    name: str
    service: str  # botocore's event name of the service
    status: int
    headers: dict[str, str]
    body: bytes
    operations: frozenset[str] | None = None  # None: every operation of the service


DDB = "com.amazonaws.dynamodb.v20120810#"
DYNAMODB_THROTTLED = FaultKind("dynamodb-throttled", "dynamodb", 400,
                               *_json_error(f"{DDB}ProvisionedThroughputExceededException", "1.0"),
                               operations=DYNAMODB_WRITES)
DYNAMODB_500 = FaultKind("dynamodb-500", "dynamodb", 500, *_json_error(f"{DDB}InternalServerError", "1.0"),
                         operations=DYNAMODB_WRITES)
KMS_FAULTS = (
    FaultKind("kms-500", "kms", 500, *_json_error("KMSInternalException", "1.1")),
    FaultKind("kms-throttled", "kms", 400, *_json_error("ThrottlingException", "1.1")),
)
S3_FAULTS = (
    FaultKind("s3-slowdown", "s3", 503, *_xml_error("SlowDown")),
    FaultKind("s3-500", "s3", 500, *_xml_error("InternalError")),
)


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


@dataclass
class Injector:
    """A `before-send` handler: answers instead of AWS while a fault is armed."""

    fault: FaultKind | None = None
    after: int = 0  # matching calls let through before the fault starts
    seen: int = 0
    injected: int = 0
    writes: list[str] = field(default_factory=list)

    def arm(self, fault: FaultKind | None, after: int = 0) -> None:
        self.fault, self.after, self.seen, self.injected = fault, after, 0, 0
        self.writes = []

    def __call__(self, request: Any, event_name: str = "", **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        _event, service, operation = event_name.split(".", 2)
        if service == "dynamodb" and operation in DYNAMODB_WRITES:
            self.writes.append(operation)
        fault = self.fault
        if fault is None or service != fault.service:
            return None
        if fault.operations is not None and operation not in fault.operations:
            return None
        self.seen += 1
        if self.seen <= self.after:
            return None
        self.injected += 1
        return AWSResponse(request.url, fault.status, dict(fault.headers), _Body(fault.body))


@pytest.fixture
def faults(world: World) -> Iterator[Injector]:
    injector = Injector()
    session = shared_session()
    session.register("before-send", injector, unique_id="fault-injection")
    reset_container()  # clients copy the session's handlers when built: build them again
    yield injector
    session.unregister("before-send", unique_id="fault-injection")
    reset_container()


@dataclass(frozen=True)
class WritePath:
    name: str
    send: Callable[[World, Any], Any]  # (world, what `prepare` made)
    status: int
    prepare: Callable[[World], Any] = lambda world: None  # run before the snapshot, never under a fault


def _photo_bucket(world: World) -> Any:
    client = boto3.client("s3", region_name=REGION, endpoint_url=world.endpoint)
    bucket = get_settings().image_bucket
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return client


def _accepted_photo(world: World) -> str:
    """A photo taken by pat.a on case a, through the real upload path (the processor included)."""
    from tests.functional.test_photos import deliver, post_file

    s3 = _photo_bucket(world)
    data = phone_jpeg()
    case = world.cases["a"]
    intent = world.request("POST", f"/cases/{case}/photos/uploads", user="pat.a",
                           body={"bodySite": "elbow_left", "contentType": "image/jpeg", "sizeBytes": len(data),
                                 "source": "camera"}).json_body
    post_file(intent, data)
    assert deliver(world, s3, upload_key(case, intent["photoId"])) == "accepted"
    return str(intent["photoId"])


def _case(world: World) -> str:
    return world.cases["a"]


def _posted_message(world: World) -> str:
    posted = world.request("POST", f"/cases/{_case(world)}/discussion", user="dr.one",
                           body={"text": "To be withdrawn", "refs": []})
    assert posted.status_code == 201, posted.body
    return str(posted.json_body["messageId"])


def _scheduled_followup(world: World) -> str:
    made = world.request("POST", f"/cases/{_case(world)}/followups", user="dr.one",
                         body={"dueDate": (datetime.now(UTC).date() + timedelta(days=20)).isoformat(),
                               "modality": "video"})
    assert made.status_code == 201, made.body
    return str(made.json_body["items"][0]["followupId"])


WRITE_PATHS = (
    WritePath("lesion.create", lambda w, _: w.request(
        "POST", f"/cases/{_case(w)}/lesions", user="pat.a",
        body={"bodySite": "elbow_left", "view": "back", "x": 0.2, "y": 0.45, "label": "Plaque"}), 201),
    WritePath("score.record", lambda w, _: w.request(
        "POST", f"/cases/{_case(w)}/scores", user="pat.a",
        body={"instrument": "ITCH_NRS", "components": {"score": 6}}), 201),
    WritePath("record.create", lambda w, _: w.request(
        "POST", f"/cases/{_case(w)}/records", user="dr.one", body={"kind": "note", "content": SAMPLES["note"]}), 201),
    WritePath("discussion.post", lambda w, _: w.request(
        "POST", f"/cases/{_case(w)}/discussion", user="dr.one", body={"text": "Seen the elbow photos?", "refs": []}),
        201),
    WritePath("followup.schedule", lambda w, _: w.request(
        "POST", f"/cases/{_case(w)}/followups", user="dr.one",
        body={"dueDate": (datetime.now(UTC).date() + timedelta(days=10)).isoformat(), "modality": "video"}), 201),
    WritePath("discussion.retract", lambda w, message_id: w.request(
        "POST", f"/cases/{_case(w)}/discussion/{message_id}/retract", user="dr.one", body={}), 200,
        prepare=_posted_message),
    WritePath("followup.cancel", lambda w, followup_id: w.request(
        "POST", f"/cases/{_case(w)}/followups/{followup_id}/cancel", user="dr.one", body={}), 200,
        prepare=_scheduled_followup),
)


def _snapshot(world: World) -> dict[str, list[str]]:
    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    tables: dict[str, list[str]] = {}
    for spec in TABLES:
        items: list[str] = []
        kwargs: dict[str, Any] = {"TableName": f"dermafollow-local-{spec.logical_name}"}
        while True:
            page = client.scan(**kwargs)
            items += [json.dumps(item, sort_keys=True, default=str) for item in page["Items"]]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        tables[spec.logical_name] = sorted(items)
    return tables


def _records(snapshot: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: items for name, items in snapshot.items() if name not in NOT_RECORD_DATA}


def _audit_entries(snapshot: dict[str, list[str]]) -> set[str]:
    # Head markers ("head#<chain>") move with every append; the entries are what is audited.
    return {item for item in snapshot[AUDIT_LOG.logical_name] if '"head#' not in item}


@dataclass
class Tally:
    faults: int = 0
    refused: int = 0
    committed: int = 0


def _refused_cleanly(world: World, faults: Injector, path: WritePath, fault: FaultKind, after: int,
                     tally: Tally, *, before_commit: bool) -> None:
    """One request under `fault` (from the `after`+1-th matching call on). `before_commit`: the fault
    hits before anything can have committed (the first write, or KMS / S3, which every change calls
    before its transaction), so the request must be refused whole."""
    prepared = path.prepare(world)
    before = _snapshot(world)
    reset_container()  # a fresh data-key cache: the change needs KMS again
    faults.arm(fault, after)
    response = path.send(world, prepared)
    injected = faults.injected
    faults.arm(None)
    where = f"{path.name} with {fault.name} from call {after + 1}"
    tally.faults += injected
    if injected and before_commit:
        assert response.status_code == 503, (where, response.status_code, response.body)
    if response.status_code == path.status:
        # The change committed before the fault (the fault hit a projection written after it, such
        # as the timeline, which is best effort): then its audit entry must be there.
        after_fault = _snapshot(world)
        assert _records(after_fault) != _records(before), where
        assert _audit_entries(after_fault) - _audit_entries(before), f"{where}: committed without an audit entry"
        tally.committed += 1
        return
    tally.refused += 1
    assert response.status_code == 503, (where, response.status_code, response.body)
    error = response.json_body["error"]
    assert error["code"] in UNAVAILABLE_CODES and error["message"], (where, error)
    assert response.headers.get("Content-Type") == "application/json"
    after_fault = _snapshot(world)
    assert _records(after_fault) == _records(before), f"{where}: a partial write"
    assert _audit_entries(after_fault) == _audit_entries(before), f"{where}: an audit entry for a refused change"


def _commits_with_audit(world: World, faults: Injector, path: WritePath) -> int:
    """Run the change without faults; return how many DynamoDB writes it made."""
    prepared = path.prepare(world)
    before = _snapshot(world)
    faults.arm(None)
    response = path.send(world, prepared)
    assert response.status_code == path.status, (path.name, response.body)
    after = _snapshot(world)
    assert _records(after) != _records(before), f"{path.name} changed nothing"
    assert _audit_entries(after) - _audit_entries(before), f"{path.name}: committed without an audit entry"
    return len(faults.writes)


@pytest.mark.parametrize("path", WRITE_PATHS, ids=lambda p: p.name)
def test_a_failing_dependency_refuses_the_change_whole_and_unaudited(world: World, faults: Injector,
                                                                     path: WritePath) -> None:
    tally = Tally()
    writes = _commits_with_audit(world, faults, path)
    assert writes >= 1
    for step in range(writes):
        for fault in (DYNAMODB_THROTTLED, DYNAMODB_500):
            _refused_cleanly(world, faults, path, fault, step, tally, before_commit=step == 0)
    for fault in KMS_FAULTS:
        _refused_cleanly(world, faults, path, fault, 0, tally, before_commit=True)
    _commits_with_audit(world, faults, path)
    assert tally.refused >= 2 and tally.faults >= 2 * writes, tally
    print(f"{path.name}: {writes} writes; {tally.faults} faults injected; {tally.refused} requests refused whole, "
          f"{tally.committed} committed with their audit entry")


def test_photo_removal_with_s3_failing_is_refused_whole(world: World, faults: Injector) -> None:
    photo_id = _accepted_photo(world)
    remove = WritePath("photo.remove", lambda w, _: w.request(
        "POST", f"/cases/{_case(w)}/photos/{photo_id}/remove", user="pat.a", body={"reason": "wrong_photo"}), 200)
    tally = Tally()
    for fault in S3_FAULTS:
        _refused_cleanly(world, faults, remove, fault, 0, tally, before_commit=True)
    assert tally.refused == len(S3_FAULTS)
    _commits_with_audit(world, faults, remove)
    print(f"photo.remove: {tally.faults} S3 faults injected; {tally.refused} requests refused whole")
