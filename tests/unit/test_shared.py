"""Validation, error mapping, structured logs and EMF metrics."""

from __future__ import annotations

import io
import json

import pytest

from functions.shared.auth import Principal, Role
from functions.shared.dynamo import decode_cursor, encode_cursor
from functions.shared.errors import Conflict, NotFound, PayloadTooLarge, ValidationError
from functions.shared.http import error_response
from functions.shared.observability import emf_record, put_metrics, safe_fields
from functions.shared.settings import Settings
from functions.shared.validation import coerce_query, parse_json_object, strict_object, validate


def test_strict_schema_rejects_unknown_fields() -> None:
    schema = strict_object({"a": {"type": "integer"}}, ["a"])
    assert validate({"a": 1}, schema, where="body") == {"a": 1}
    with pytest.raises(ValidationError) as caught:
        validate({"a": 1, "b": 2}, schema, where="body")
    assert caught.value.message.startswith("body")


def test_validation_message_never_echoes_the_value() -> None:
    with pytest.raises(ValidationError) as caught:
        validate({"name": "Jane Doe, DOB 1970"}, strict_object({"name": {"type": "integer"}}), where="body")
    assert "Jane" not in caught.value.message


@pytest.mark.parametrize("raw", [b"{", b"\xff\xfe", b"nul"])
def test_malformed_json(raw: bytes) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_json_object(raw)
    assert caught.value.code == "malformed_json"


def test_oversized_body() -> None:
    with pytest.raises(PayloadTooLarge):
        parse_json_object(b"{}" + b" " * 100, max_bytes=10)


def test_query_integers_are_coerced_only_when_declared() -> None:
    schema = strict_object({"limit": {"type": "integer"}, "q": {"type": "string"}})
    assert coerce_query({"limit": "5", "q": "7"}, schema) == {"limit": 5, "q": "7"}


def test_cursor_round_trip_and_garbage() -> None:
    key = {"caseId": {"S": "c1"}, "principalId": {"S": "p1"}}
    assert decode_cursor(encode_cursor(key)) == key
    assert encode_cursor(None) is None
    with pytest.raises(ValidationError):
        decode_cursor("!!!")
    with pytest.raises(ValidationError):
        decode_cursor(encode_cursor({"a": 1})[:-3] + "[]")  # type: ignore[index]


def test_a_cursor_from_another_partition_is_refused() -> None:
    cursor = encode_cursor({"caseId": {"S": "c1"}, "eventKey": {"S": "k"}})
    assert decode_cursor(cursor, partition=("caseId", "c1")) == {"caseId": {"S": "c1"}, "eventKey": {"S": "k"}}
    with pytest.raises(ValidationError):
        decode_cursor(cursor, partition=("caseId", "c2"))
    with pytest.raises(ValidationError):
        decode_cursor(cursor, partition=("patientId", "c1"))
    assert decode_cursor(None, partition=("caseId", "c1")) is None


@pytest.mark.parametrize(("error", "status"), [(NotFound("x"), 404), (Conflict("x"), 409),
                                               (ValidationError("x"), 400)])
def test_domain_errors_map_to_status_and_json(error: Exception, status: int) -> None:
    response = error_response(error)  # type: ignore[arg-type]
    assert response.status_code == status
    body = json.loads(response.body)
    assert body["error"]["code"] == error.code  # type: ignore[attr-defined]


def test_logs_drop_fields_that_could_carry_phi() -> None:
    fields = safe_fields({"case_id": "c1", "condition": "psoriasis", "name": "Jane", "status": 200})
    assert fields == {"case_id": "c1", "status": 200}


def test_emf_record_shape() -> None:
    record = emf_record({"Relayed": 3}, dimensions={"route": "relay"}, timestamp_ms=1)
    directive = record["_aws"]["CloudWatchMetrics"][0]
    assert record["_aws"]["Timestamp"] == 1
    assert directive["Namespace"] == "DermaFollow"
    assert directive["Dimensions"] == [["route", "service"]]
    assert directive["Metrics"] == [{"Name": "Relayed", "Unit": "Count"}]
    assert record["Relayed"] == 3 and record["route"] == "relay"


def test_put_metrics_writes_one_json_line_per_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.shared.settings import reset_settings

    monkeypatch.setenv("STAGE", "prod")
    reset_settings()
    out = io.StringIO()
    try:
        put_metrics({"A": 1, "B": 2}, stream=out)
    finally:
        monkeypatch.undo()
        reset_settings()
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["B"] == 2 and record["stage"] == "prod"
    assert record["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service", "stage"]]


def test_metrics_go_nowhere_when_the_sink_is_none(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from functions.shared.settings import reset_settings

    put_metrics({"A": 1})
    assert json.loads(capsys.readouterr().out)["A"] == 1  # Lambda's default: stdout
    monkeypatch.setenv("METRICS_SINK", "none")
    reset_settings()
    try:
        put_metrics({"A": 1})
        assert capsys.readouterr().out == ""
        out = io.StringIO()
        put_metrics({"A": 1}, stream=out)  # a stream asked for explicitly still gets its line
        assert json.loads(out.getvalue())["A"] == 1
    finally:
        monkeypatch.undo()
        reset_settings()


def test_principal_round_trips_through_authorizer_context() -> None:
    principal = Principal("u1", "doc", frozenset({Role.DOCTOR, Role.ADMIN}))
    context = {"principalId": "u1", **principal.to_authorizer_context()}
    assert Principal.from_authorizer_context(context) == principal


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("USER_POOL_ID", "eu-central-1_abc")
    monkeypatch.setenv("TABLE_PREFIX", "p-")
    settings = Settings.from_environ()
    assert settings.issuer == "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_abc"
    assert settings.effective_jwks_url.endswith("/eu-central-1_abc/.well-known/jwks.json")
    assert settings.table_name("cases") == "p-cases"


@pytest.mark.parametrize(("stage", "url", "allowed"), [
    ("local", "http://127.0.0.1:5000/pool/.well-known/jwks.json", True),
    ("dev", "https://keys.example.org/jwks.json", True),
    ("dev", "http://keys.example.org/jwks.json", False),
    ("prod", "http://127.0.0.1:5000/jwks.json", False),
])
def test_a_jwks_override_outside_the_local_stack_must_be_https(monkeypatch: pytest.MonkeyPatch, stage: str, url: str,
                                                               allowed: bool) -> None:
    monkeypatch.setenv("STAGE", stage)
    monkeypatch.setenv("JWKS_URL", url)
    settings = Settings.from_environ()
    if allowed:
        assert settings.effective_jwks_url == url
    else:
        with pytest.raises(ValueError, match="https"):
            _ = settings.effective_jwks_url


def test_a_new_invocation_forgets_the_previous_callers_ids() -> None:
    from functions.shared.observability import append_keys, get_logger, start_invocation

    start_invocation(request_id="r1", route="GET /me")
    append_keys(user_id="doctor-1")
    start_invocation(request_id="r2", route="POST /auth/login")
    keys = get_logger().get_current_keys()
    assert keys["request_id"] == "r2" and keys["route"] == "POST /auth/login"
    assert "user_id" not in keys
