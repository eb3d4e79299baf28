"""Least privilege must not break the functions: every AWS call a deployed function's code makes in a
real scenario (through moto) is one its own policy (infrastructure/policies.py) allows.

Each call is recorded at botocore's one door (`BaseClient._make_api_call`, which pynamodb uses too),
turned into the IAM actions and ARNs it needs in the dev stage of the example account, and checked
against that function's policy document. Conditions (key aliases, encryption context, tags) are not
evaluated here; tests/packaging/test_function_roles.py checks those on the rendered template.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from fnmatch import fnmatchcase
from typing import Any

import pytest
from botocore.client import BaseClient

from functions.bootstrap import reset_container
from functions.images.ports import upload_key
from functions.shared.settings import get_settings
from infrastructure.policies import function_policies
from tests.events import ws_event
from tests.functional.conftest import REGION, World
from tests.functional.test_followups import mail  # noqa: F401 (a fixture)
from tests.functional.test_photos import ask_upload, post_file
from tests.support.images import phone_jpeg
from tests.support.ws import Sockets

ACCOUNT = "123456789012"
STAGE = "dev"
API_ID = "stackapi"
SUBSTITUTIONS = {"${AWS::Partition}": "aws", "${AWS::Region}": REGION, "${AWS::AccountId}": ACCOUNT,
                 "${Stage}": STAGE, "${WebsocketAPI}": API_ID}


class Recorder:
    def __init__(self) -> None:
        self.function: str | None = None
        self.calls: list[tuple[str, str, str, dict[str, Any]]] = []

    @contextmanager
    def running(self, function: str) -> Iterator[None]:
        self.function = function
        try:
            yield
        finally:
            self.function = None

    def of(self, function: str) -> list[tuple[str, str, dict[str, Any]]]:
        return [(service, operation, params) for who, service, operation, params in self.calls if who == function]


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorded = Recorder()
    original = BaseClient._make_api_call

    def recording(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if recorded.function is not None:
            recorded.calls.append((recorded.function, client.meta.service_model.service_name, operation, params))
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    return recorded


def _resolve(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"}:
            text = value["Fn::Sub"]
            for name, replacement in SUBSTITUTIONS.items():
                text = text.replace(name, replacement)
            assert "${" not in text, text
            return text
        return {key: _resolve(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(item) for item in value]
    return value


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def allowed(function: str, action: str, arn: str) -> bool:
    statements = _resolve(function_policies()[function].document())["Statement"]

    def matches(st: dict[str, Any]) -> bool:
        return (any(fnmatchcase(action, a) for a in _listed(st["Action"]))
                and any(fnmatchcase(arn, r) for r in _listed(st["Resource"])))

    if any(st["Effect"] == "Deny" and "Condition" not in st and matches(st) for st in statements):
        return False
    return any(st["Effect"] == "Allow" and matches(st) for st in statements)


def _table(name: str) -> str:
    logical = name.removeprefix(get_settings().table_prefix)
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/dermafollow-{STAGE}-{logical}"


def _bucket(bucket: str) -> str:
    settings = get_settings()
    if bucket == settings.audit_anchor_bucket:
        return f"arn:aws:s3:::dermafollow-{STAGE}-audit-anchor-{ACCOUNT}-{REGION}"
    assert bucket == settings.image_bucket, bucket
    return f"arn:aws:s3:::dermafollow-{STAGE}-images-{ACCOUNT}-{REGION}"


def _object(bucket: str, key: str) -> str:
    return f"{_bucket(bucket)}/{key}"


_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


def needs(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """The (IAM action, ARN) pairs one call needs."""
    if service == "dynamodb":
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [(f"dynamodb:{operation}", _table(name)) for name in params["RequestItems"]]
        if operation == "TransactWriteItems":
            return [(f"dynamodb:{_TRANSACT[kind]}", _table(body["TableName"]))
                    for item in params["TransactItems"] for kind, body in item.items()]
        if operation == "TransactGetItems":
            return [("dynamodb:GetItem", _table(item["Get"]["TableName"])) for item in params["TransactItems"]]
        arn = _table(params["TableName"])
        if params.get("IndexName"):
            arn = f"{arn}/index/{params['IndexName']}"
        return [(f"dynamodb:{operation}", arn)]
    if service == "s3" and operation == "ListObjectVersions":
        return [("s3:ListBucketVersions", _bucket(params["Bucket"]))]
    if service == "s3":
        versioned = "Version" if params.get("VersionId") else ""
        action = {"GetObject": f"s3:GetObject{versioned}", "HeadObject": f"s3:GetObject{versioned}",
                  "PutObject": "s3:PutObject", "DeleteObject": f"s3:DeleteObject{versioned}"}[operation]
        return [(action, _object(params["Bucket"], params["Key"]))]
    if service == "apigatewaymanagementapi":
        method = {"PostToConnection": "POST", "DeleteConnection": "DELETE", "GetConnection": "GET"}[operation]
        return [("execute-api:ManageConnections",
                 f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/api/{method}/@connections/{params['ConnectionId']}")]
    if service == "lambda" and operation == "Invoke":
        return [("lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{params['FunctionName']}")]
    if service == "cognito-idp":
        return [(f"cognito-idp:{operation}", f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{params['UserPoolId']}")]
    if service == "ses" and operation == "SendEmail":
        return [("ses:SendEmail", f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/{params['Source']}")]
    if service == "sns" and operation == "Publish":
        assert "PhoneNumber" in params, params  # SMS only: no topic
        return [("sns:Publish", "*")]
    if service == "kms":
        return [(f"kms:{operation}", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k1")]
    raise AssertionError(f"no IAM mapping for {service}.{operation}: add one")


def assert_allowed(recorder: Recorder, function: str) -> set[tuple[str, str]]:
    calls = recorder.of(function)
    assert calls, f"{function} made no AWS call: the scenario did not run"
    required = {pair for call in calls for pair in needs(*call)}
    refused = sorted(pair for pair in required if not allowed(function, *pair))
    assert refused == [], f"{function}'s policy refuses what its code does: {refused}"
    return required


@pytest.fixture
def ws(world: World, monkeypatch: pytest.MonkeyPatch) -> Sockets:
    monkeypatch.setenv("WS_MANAGEMENT_ENDPOINT", world.endpoint)
    reset_container()
    return Sockets(world, REGION)


def test_the_websocket_functions_need_only_what_their_policies_allow(world: World, ws: Sockets,
                                                                    recorder: Recorder) -> None:
    room = world.request("POST", "/visits", user="pat.a", body={"caseId": world.cases["a"]}).json_body["roomId"]
    assert world.request("POST", f"/visits/{room}/admit", user="dr.one", body={}).status_code == 200
    tickets = {user: ws.ticket(user) for user in ("pat.a", "dr.one", "dr.two")}

    def invoke(function: str, name: str, event: dict[str, Any]) -> Any:
        # Each invocation on a cold container: no data key cached by the REST calls before it or by
        # another function, so every KMS call the function's code makes is recorded and checked.
        reset_container()
        with recorder.running(function):
            return world.client.lambda_.invoke(name, event).payload

    for user, connection in (("pat.a", "c-pat"), ("dr.one", "c-doc"), ("dr.two", "c-stranger")):
        answer = invoke("WebsocketConnect", "ws_connect", ws_event("connect", connection_id=connection,
                                                                   ticket=tickets[user]))
        assert answer["statusCode"] == 200, answer
    for connection in ("c-pat", "c-doc", "c-stranger"):  # the stranger's join is refused and audited
        invoke("WebsocketMessage", "ws_message",
               ws_event("message", connection_id=connection, body={"action": "join", "roomId": room}))
    assert ws.last("c-stranger")["type"] == "error"
    doctor = world.users["dr.one"].user_id
    offer = {"action": "offer", "to": doctor, "sdp": {"type": "offer", "sdp": "v=0\r\n"}}
    invoke("WebsocketMessage", "ws_message", ws_event("message", connection_id="c-pat", body=offer))
    invoke("WebsocketMessage", "ws_message", ws_event("message", connection_id="c-doc", body={"action": "ping"}))
    invoke("WebsocketDisconnect", "ws_disconnect", ws_event("disconnect", connection_id="c-pat"))

    connect = assert_allowed(recorder, "WebsocketConnect")
    assert {"kms:Decrypt", "dynamodb:GetItem"} <= {action for action, _ in connect}, "cold: the key was read"
    message = assert_allowed(recorder, "WebsocketMessage")
    assert "kms:Decrypt" in {action for action, _ in message}, "cold: a join opens the socket's username"
    assert any(action == "execute-api:ManageConnections" for action, _ in message)
    assert any(arn.endswith("-audit_log") for _, arn in message), "the refused join is audited"
    disconnect = assert_allowed(recorder, "WebsocketDisconnect")
    assert any(action == "execute-api:ManageConnections" for action, _ in disconnect), "the room is told"


def test_the_photo_processor_needs_only_what_its_policy_allows(world: World, s3: Any, recorder: Recorder) -> None:
    case = world.cases["a"]
    data = phone_jpeg()
    intent = ask_upload(world, "pat.a", case, len(data)).json_body
    post_file(intent, data)
    bucket = get_settings().image_bucket
    key = upload_key(case, intent["photoId"])
    head = s3.head_object(Bucket=bucket, Key=key)
    event = world.client.events.generate_cw_event(
        source="aws.s3", detail_type="Object Created",
        detail={"version": "0", "bucket": {"name": bucket},
                "object": {"key": key, "size": head["ContentLength"], "eTag": head["ETag"].strip('"'),
                           "version-id": head.get("VersionId"), "sequencer": "0062E99A88DC407460"},
                "reason": "PostObject"},
        resources=[f"arn:aws:s3:::{bucket}"], region=REGION)
    reset_container()  # a cold container: the processor must not need a key (it has none)
    with recorder.running("ProcessPhotoUpload"):
        assert world.client.lambda_.invoke("process_photo_upload", event).payload["outcome"] == "accepted"
        # A redelivery (already decided) and a stray object take the other paths.
        assert world.client.lambda_.invoke("process_photo_upload", event).payload["outcome"].startswith("discarded")
    required = assert_allowed(recorder, "ProcessPhotoUpload")
    assert not {action for action, _ in required if action.startswith("kms:")}, "no field key, none used"
    touched = {arn.rsplit("-", 1)[-1] for action, arn in required if action.startswith("dynamodb:")}
    assert touched <= {"photo_uploads", "photos", "timeline"}, touched
    assert json.dumps(sorted(required)).count("s3:PutObject") >= 1


class MeasuringFunction:
    """Stands in for Lambda's Invoke of the measuring function: the call is the storing step's (recorded
    as such), the measuring is LesionMeasurer's, with its own S3 client as the runtime's boto3 gives it."""

    def __init__(self, recorder: Recorder, endpoint: str) -> None:
        self._recorder = recorder
        self._endpoint = endpoint

    def invoke(self, **params: Any) -> dict[str, Any]:
        import io

        import boto3

        from functions.lesionmetrics.handler import measure_request

        self._recorder.calls.append(("MeasureLesionPhoto", "lambda", "Invoke", params))
        s3 = boto3.client("s3", region_name=REGION, endpoint_url=self._endpoint)

        def read(bucket: str, key: str) -> bytes:
            body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            return body

        with self._recorder.running("LesionMeasurer"):
            answer = {"ok": True, **measure_request(json.loads(params["Payload"]), read)}
        self._recorder.function = "MeasureLesionPhoto"
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(answer).encode())}


class SeriesQueue:
    """Stands in for the REST API's asynchronous Invoke of the measuring step (recorded as the API's)."""

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self.events: list[dict[str, Any]] = []

    def invoke(self, **params: Any) -> dict[str, Any]:
        self._recorder.calls.append(("APIHandler", "lambda", "Invoke", params))
        self.events.append(json.loads(params["Payload"]))
        return {"StatusCode": 202}


def test_the_lesion_measuring_pair_needs_only_what_their_policies_allow(
        world: World, s3: Any, recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.bootstrap import Container
    from functions.lesionmetrics import invoke, synthetic
    from tests.functional.test_lesion_metrics import jpeg
    from tests.functional.test_photos import upload_photo

    measurer_name, step_name = f"dermafollow-{STAGE}-lesion-measurer", f"dermafollow-{STAGE}-lesion-measuring"
    monkeypatch.setenv("LESION_MEASURER", "lambda")
    monkeypatch.setenv("LESION_MEASURER_FUNCTION", measurer_name)
    monkeypatch.setenv("LESION_SERIES_FUNCTION", step_name)
    monkeypatch.setattr(invoke, "invoke_client", lambda region: MeasuringFunction(recorder, world.endpoint))
    queue = SeriesQueue(recorder)
    client = Container.client
    monkeypatch.setattr(Container, "client",
                        lambda self, service: queue if service == "lambda" else client(self, service))
    reset_container()
    case = world.cases["a"]
    lesion_id = world.request("POST", f"/cases/{case}/lesions", user="pat.a",
                              body={"bodySite": "elbow_left", "view": "back", "x": 0.2, "y": 0.4,
                                    "label": "Plaque"}).json_body["lesionId"]
    corpus = synthetic.series(41, True, unchanged=1, grown=1)
    baseline_id = upload_photo(world, s3, jpeg(corpus.baseline.image), lesionId=lesion_id,
                               capturedAt="2026-01-02T09:30:00+00:00")["photoId"]
    upload_photo(world, s3, jpeg(corpus.unchanged[0].image), lesionId=lesion_id,
                 capturedAt="2026-01-20T09:30:00+00:00")
    outline = synthetic.hand_drawn(corpus.baseline.outline_px, 5).round(1).tolist()
    with recorder.running("APIHandler"):  # a new baseline: the photo sent before it is handed over
        assert world.request("PUT", f"/cases/{case}/lesions/{lesion_id}/baseline", user="dr.one",
                             body={"photoId": baseline_id, "outline": outline}).status_code == 200
    (series,) = queue.events
    with recorder.running("MeasureLesionPhoto"):
        assert world.client.lambda_.invoke("measure_lesion_photo", series).payload == {"outcome": "measured=1"}
    followup_id = upload_photo(world, s3, jpeg(corpus.grown[0].image), lesionId=lesion_id,
                               capturedAt="2026-02-02T09:30:00+00:00")["photoId"]
    bucket = get_settings().image_bucket
    event = world.client.events.generate_cw_event(
        source="aws.s3", detail_type="Object Created",
        detail={"bucket": {"name": bucket}, "object": {"key": f"cases/{case}/photos/{followup_id}/full.jpg"}},
        resources=[f"arn:aws:s3:::{bucket}"], region=REGION)
    with recorder.running("MeasureLesionPhoto"):
        assert world.client.lambda_.invoke("measure_lesion_photo", event).payload == {"outcome": "measured"}

    measurer = assert_allowed(recorder, "LesionMeasurer")
    assert {action for action, _ in measurer} == {"s3:GetObject"}
    step = assert_allowed(recorder, "MeasureLesionPhoto")
    assert ("lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{measurer_name}") in step
    assert any(action == "dynamodb:PutItem" and arn.endswith("-lesion_metrics") for action, arn in step)
    api = assert_allowed(recorder, "APIHandler")
    assert ("lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{step_name}") in api


SCHEDULED = {"version": "0", "id": "1", "detail-type": "Scheduled Event", "source": "aws.events",
             "account": ACCOUNT, "time": "2026-12-04T00:00:00Z", "region": REGION, "resources": [], "detail": {}}


@pytest.mark.usefixtures("mail")
def test_the_reminder_job_needs_only_what_its_policy_allows(world: World, recorder: Recorder,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    monkeypatch.setenv("WS_MANAGEMENT_ENDPOINT", world.endpoint)
    reset_container()
    due = {"dueDate": datetime.now(UTC).date().isoformat(), "modality": "scores"}
    assert world.request("POST", f"/cases/{world.cases['a']}/followups", user="dr.one", body=due).status_code == 201
    with recorder.running("RemindFollowups"):
        world.client.lambda_.invoke("remind_followups", SCHEDULED)
    required = assert_allowed(recorder, "RemindFollowups")
    assert any(action == "ses:SendEmail" for action, _ in required), "the scenario sent a reminder"


def test_the_audit_jobs_need_only_what_their_policies_allow(world: World, recorder: Recorder,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.functional.emr_support import provision_emr

    provision_emr(world, monkeypatch)
    reset_container()
    assert world.request("GET", f"/cases/{world.cases['a']}", user="dr.one").status_code == 200  # an entry
    with recorder.running("AnchorAuditChains"):
        world.client.lambda_.invoke("anchor_audit_chains", SCHEDULED)
    with recorder.running("VerifyAuditChains"):
        assert world.client.lambda_.invoke("verify_audit_chains", SCHEDULED).payload["ok"] is True
    anchor = assert_allowed(recorder, "AnchorAuditChains")
    assert any(action == "s3:PutObject" for action, _ in anchor)
    verify = assert_allowed(recorder, "VerifyAuditChains")
    assert any(action == "s3:ListBucketVersions" for action, _ in verify)
