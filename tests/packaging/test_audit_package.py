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
        if alarm["Properties"]["MetricName"] == "Errors"
        for d in alarm["Properties"]["Dimensions"]
    }
    assert ANCHOR_FUNCTION in alarmed


def test_functions_may_add_anchors_but_never_remove_or_read_them(package: Package) -> None:
    _, bucket = _anchor_bucket(package)
    name = package.resolve(bucket["Properties"]["BucketName"])
    anchor = f"arn:aws:s3:::{name}/anchors/20260101T000000.000000Z.json"
    for function in (ANCHOR_FUNCTION, "APIHandler"):
        assert _allows(package, function, "s3:PutObject", anchor), function
        assert not _allows(package, function, "s3:DeleteObject", anchor), function
        assert not _allows(package, function, "s3:PutObjectRetention", anchor), function
        assert not _allows(package, function, "s3:PutObject", f"arn:aws:s3:::{name}/elsewhere.json"), function
