"""The packaged audit-trail pieces: the anchoring function, its bucket, its narrow permissions."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from sam_helpers import Package

ANCHOR_FUNCTION = "AnchorAuditChains"


def _allows(package: Package, function: str, action: str, arn: str) -> bool:
    role = package.target(package.resources[function]["Properties"]["Role"])
    for policy in package.resources[role]["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if (statement["Effect"] == "Allow" and any(fnmatchcase(action, a) for a in actions)
                    and any(fnmatchcase(arn, r) for r in resources)):
                return True
    return False


def _anchor_bucket(package: Package) -> tuple[str, dict[str, Any]]:
    bucket_id = package.target(package.global_environment()["AUDIT_ANCHOR_BUCKET"])
    return bucket_id, package.resources[bucket_id]


def test_every_function_knows_the_object_lock_bucket(package: Package) -> None:
    _, bucket = _anchor_bucket(package)
    assert bucket["Type"] == "AWS::S3::Bucket"
    assert bucket["Properties"]["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"


def test_the_anchor_job_runs_every_15_minutes_and_is_alarmed(package: Package) -> None:
    function = package.functions()[ANCHOR_FUNCTION]
    (event,) = function["Properties"]["Events"].values()
    assert event == {"Type": "Schedule", "Properties": {"Schedule": "rate(15 minutes)"}}
    alarmed = {
        package.target(d["Value"])
        for alarm in package.of_type("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("MetricName") == "Errors"
        for d in alarm["Properties"]["Dimensions"]
    }
    assert ANCHOR_FUNCTION in alarmed


def test_only_the_anchor_job_adds_anchors_and_none_removes_them(package: Package) -> None:
    _, bucket = _anchor_bucket(package)
    name = package.resolve(bucket["Properties"]["BucketName"])
    anchor = f"arn:aws:s3:::{name}/anchors/20260101T000000.000000Z.json"
    assert _allows(package, ANCHOR_FUNCTION, "s3:PutObject", anchor)
    for function in package.functions():
        assert _allows(package, function, "s3:PutObject", anchor) is (function == ANCHOR_FUNCTION), function
        assert not _allows(package, function, "s3:DeleteObject", anchor), function
        assert not _allows(package, function, "s3:PutObjectRetention", anchor), function
        assert not _allows(package, function, "s3:PutObject", f"arn:aws:s3:::{name}/elsewhere.json"), function


def _statements(package: Package, function: str) -> list[dict[str, Any]]:
    role = package.target(package.resources[function]["Properties"]["Role"])
    return [s for policy in package.resources[role]["Properties"]["Policies"]
            for s in policy["PolicyDocument"]["Statement"]]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_no_function_deletes_audit_entries_or_updates_anything_but_a_head(package: Package) -> None:
    table = f"arn:aws:dynamodb:eu-west-1:123456789012:table/dermafollow-{package.stage}-audit_log"
    for function in (ANCHOR_FUNCTION, "APIHandler"):
        denials = [s for s in _statements(package, function) if s["Effect"] == "Deny"
                   and any(fnmatchcase(table, r) for r in _listed(s["Resource"]))]
        denied = {action for s in denials if "Condition" not in s for action in _listed(s["Action"])}
        assert {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} <= denied, function
        (update,) = [s for s in denials if "dynamodb:UpdateItem" in _listed(s["Action"])]
        assert update["Condition"] == {"ForAnyValue:StringNotLike": {"dynamodb:LeadingKeys": ["head#*"]}}


def test_entries_are_authenticated_with_an_hmac_key_the_functions_may_only_generate_with(package: Package) -> None:
    alias_id = package.target(package.global_environment()["AUDIT_MAC_KEY_ID"])
    alias = package.resources[alias_id]["Properties"]
    key = package.resources[package.target(alias["TargetKeyId"])]["Properties"]
    assert (key["KeySpec"], key["KeyUsage"]) == ("HMAC_256", "GENERATE_VERIFY_MAC")
    name = package.resolve(alias["AliasName"])
    # The functions whose code appends entries (a refused socket join is audited too); the anchor job
    # only reads the tails, the verification only checks.
    appenders = {"APIHandler", "WebsocketMessage", "RemindFollowups"}
    for function in package.functions():
        macs = [s for s in _statements(package, function) if s["Effect"] == "Allow"
                and any(a.startswith("kms:") and "Mac" in a for a in _listed(s["Action"]))]
        if function == "VerifyAuditChains":
            assert [_listed(s["Action"]) for s in macs] == [["kms:VerifyMac"]]
            continue
        if function not in appenders:
            assert macs == [], function
            continue
        assert [_listed(s["Action"]) for s in macs] == [["kms:GenerateMac"]], function
        assert macs[0]["Condition"] == {"ForAnyValue:StringEquals": {"kms:ResourceAliases": name}}
