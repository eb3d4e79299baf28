"""The operations screens' API: the health of every dependency, and a patient's audit trail filtered
by actor, action and outcome with what the hourly verification last found for its chain."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from functions.audit.chain import chain_for
from functions.bootstrap import get_container, reset_container
from functions.shared.settings import get_settings
from tests.functional.conftest import REGION, World
from tests.functional.emr_support import provision_emr

AUDIT_TABLE = "dermafollow-local-audit_log"
# What EventBridge hands a scheduled function.
SCHEDULED = {"version": "0", "id": "1", "detail-type": "Scheduled Event", "source": "aws.events",
             "account": "123456789012", "time": "2026-12-04T00:00:00Z", "region": REGION, "resources": [],
             "detail": {}}


@pytest.fixture
def ops_world(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    provision_emr(world, monkeypatch)
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=world.endpoint)
    s3.create_bucket(Bucket=get_settings().image_bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    # moto server mode serves the WebSocket management API at its root endpoint.
    monkeypatch.setenv("WS_MANAGEMENT_ENDPOINT", world.endpoint)
    reset_container()
    return world


def test_the_health_view_probes_each_dependency_for_admins_only(ops_world: World) -> None:
    world = ops_world
    answer = world.request("GET", "/admin/health", user="ops")
    assert answer.status_code == 200, answer.json_body
    body = answer.json_body
    assert [d["name"] for d in body["dependencies"]] == ["dynamodb", "s3", "kms", "directory", "websocket"]
    assert {d["state"] for d in body["dependencies"]} <= {"ok", "slow"}, body
    assert all(d["latencyMs"] >= 0 for d in body["dependencies"])
    assert body["status"] in {"ok", "slow"} and body["checkedAt"]
    for user in ("dr.one", "pat.a"):
        assert world.request("GET", "/admin/health", user=user).status_code == 403
    assert world.request("GET", "/admin/health").status_code == 401


def test_a_dependency_that_fails_is_reported_down_not_a_500(ops_world: World) -> None:
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=ops_world.endpoint)
    s3.delete_bucket(Bucket=get_settings().image_bucket)
    ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=ops_world.endpoint)
    ddb.delete_table(TableName=get_settings().table_name("cases"))
    answer = ops_world.request("GET", "/admin/health", user="ops")
    assert answer.status_code == 200, answer.json_body
    states = {d["name"]: d["state"] for d in answer.json_body["dependencies"]}
    assert (states["dynamodb"], states["s3"], answer.json_body["status"]) == ("down", "down", "down")
    assert states["directory"] == "ok"


def _trail(world: World, query: str = "") -> Any:
    patient = world.users["pat.a"].user_id
    return world.request("GET", f"/admin/audit?patientId={patient}&limit=100{query}", user="ops")


def test_the_audit_viewer_filters_and_shows_the_last_verification(ops_world: World) -> None:
    world = ops_world
    case = world.cases["a"]
    assert world.request("GET", f"/cases/{case}", user="dr.one").status_code == 200
    assert world.request("GET", f"/cases/{case}", user="dr.two").status_code == 404  # refused, audited

    everything = _trail(world)
    assert everything.status_code == 200, everything.json_body
    assert everything.json_body["verification"] == {
        "chain": chain_for(world.users["pat.a"].user_id, len(get_container().audit.chains)), "checkedAt": None}
    denied = _trail(world, "&outcome=denied").json_body["items"]
    assert denied and {item["outcome"] for item in denied} == {"denied"}
    assert {item["actorId"] for item in denied} == {world.users["dr.two"].user_id}
    mine = _trail(world, f"&actorId={world.users['dr.one'].user_id}&action=case.read").json_body["items"]
    assert [(item["action"], item["resource"]["caseId"]) for item in mine] == [("case.read", case)]
    for bad in ("&outcome=maybe", "&action=DROP%20TABLE", "&actorId=a%20b"):
        response = _trail(world, bad)
        assert (response.status_code, response.json_body["error"]["code"]) == (400, "validation_error"), bad

    ran = world.client.lambda_.invoke("verify_audit_chains", SCHEDULED)
    assert ran.payload["ok"] is True and ran.payload["entries"] >= 2
    status = _trail(world).json_body["verification"]
    assert status["ok"] is True and status["checkedAt"] and status["entries"] >= 2

    # An entry altered behind the app's back: the next run finds it, and the viewer says so.
    chain = status["chain"]
    ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    ddb.update_item(TableName=AUDIT_TABLE, Key={"chain": {"S": chain}, "seq": {"N": "1"}},
                    UpdateExpression="SET actorId = :a", ExpressionAttributeValues={":a": {"S": "someone-else"}})
    assert world.client.lambda_.invoke("verify_audit_chains", SCHEDULED).payload["ok"] is False
    broken = _trail(world).json_body["verification"]
    assert (broken["ok"], broken["firstBadSeq"]) == (False, 1), broken
