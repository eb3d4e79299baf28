"""Backup and restore drill (`make restore-drill` runs this file): a stack with a full scenario (a
record with an amended entry, a photo through the pipeline with its renditions, a lesion, scores, a
discussion, a visit, a follow-up, audit entries and an anchor) is exported to a snapshot, loaded into a
fresh stack (new tables and buckets in the same account, as a point-in-time restore makes them), and
proven the same: every table's item count and SHA-256, every bucket's objects and their hashes. Then
the app runs on the restored stack: `audit verify` passes over every chain and anchor, and the patient
and the doctor read the same record, photo and scores as before. A damaged snapshot is refused before
anything is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from functions.backup.cli import main as backup_cli
from functions.backup.service import StackNames
from functions.bootstrap import get_container, reset_container
from functions.shared.errors import ValidationError
from functions.shared.settings import get_settings
from local.provision import create_audit_anchor_bucket, create_bucket, create_tables
from tests.functional.conftest import REGION, World
from tests.functional.emr_support import SAMPLES, create_entry, provision_emr
from tests.functional.test_photos import upload_photo
from tests.support.images import phone_jpeg

RESTORED_PREFIX = "dermafollow-restored-"
RESTORED_IMAGES = "dermafollow-restored-images"
RESTORED_ANCHORS = "dermafollow-restored-audit-anchors"


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.body
    return response.json_body


def _scenario(world: World, s3: Any) -> dict[str, Any]:
    case = world.cases["a"]
    lesion = _ok(world.request("POST", f"/cases/{case}/lesions", user="pat.a",
                               body={"bodySite": "elbow_left", "view": "back", "x": 0.2, "y": 0.4,
                                     "label": "Plaque"}), 201)
    photo = upload_photo(world, s3, phone_jpeg(1600, 1200), lesionId=lesion["lesionId"])
    _ok(world.request("POST", f"/cases/{case}/scores", user="pat.a",
                      body={"instrument": "ITCH_NRS", "components": {"score": 6}}), 201)
    entry = create_entry(world, "diagnosis")
    _ok(world.request("PUT", f"/cases/{case}/records/{entry['entryId']}", user="dr.one",
                      body={"expectedVersion": 1, "content": SAMPLES["diagnosis"] | {"note": "Checked again"}}))
    create_entry(world, "note")
    _ok(world.request("POST", f"/cases/{case}/discussion", user="dr.one", body={"text": "Worse on the left?"}), 201)
    room = _ok(world.request("POST", "/visits", user="pat.a", body={"caseId": case}), 201)
    _ok(world.request("POST", f"/visits/{room['roomId']}/admit", user="dr.one", body={}))
    _ok(world.request("POST", f"/cases/{case}/followups", user="dr.one",
                      body={"dueDate": "2027-01-10", "modality": "photo-review", "asks": ["photos"]}), 201)
    get_container().audit.anchor()
    return {"case": case, "photo": photo["photoId"], "entry": entry["entryId"]}


def _reads(world: World, ids: dict[str, Any]) -> dict[str, Any]:
    """What the patient and the doctor see, minus the presigned URLs (signed per request)."""
    case = ids["case"]
    photo = _ok(world.request("GET", f"/cases/{case}/photos/{ids['photo']}", user="dr.one"))
    photo.pop("urls")
    photo.pop("urlsExpireAt")
    return {
        "record": _ok(world.request("GET", f"/cases/{case}/records/{ids['entry']}/history", user="dr.one")),
        "records": _ok(world.request("GET", f"/cases/{case}/records", user="pat.a")),
        "scores": _ok(world.request("GET", f"/cases/{case}/scores", user="pat.a")),
        "timeline": _ok(world.request("GET", f"/cases/{case}/timeline", user="dr.one")),
        "photo": photo,
    }


def _fresh_stack(world: World) -> StackNames:
    dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=world.endpoint)
    create_tables(dynamodb, RESTORED_PREFIX)
    create_bucket(s3, RESTORED_IMAGES, REGION)
    create_audit_anchor_bucket(s3, RESTORED_ANCHORS, REGION)
    return StackNames(RESTORED_PREFIX, {"images": RESTORED_IMAGES, "audit_anchors": RESTORED_ANCHORS})


def test_a_stack_exported_and_restored_into_a_fresh_one_is_the_same_and_verifies(
    world: World, s3: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    provision_emr(world, monkeypatch)
    ids = _scenario(world, s3)
    before = _reads(world, ids)
    settings = get_settings()
    source = StackNames(settings.table_prefix,
                        {"images": settings.image_bucket, "audit_anchors": settings.audit_anchor_bucket})

    # Export through the operator's command, with the functions' environment.
    snapshot = tmp_path / "snapshot"
    assert backup_cli(["export", "--to", str(snapshot)]) == 0
    exported = json.loads(capsys.readouterr().out)
    backup = get_container().backup
    assert exported == backup.fingerprint(source).view()
    counts = {name: table["items"] for name, table in exported["tables"].items()}
    assert counts["records"] >= 2 and counts["record_versions"] >= 3 and counts["audit_log"] >= 10, counts
    assert exported["buckets"]["images"]["objects"] >= 3  # full, display, thumb
    assert exported["buckets"]["audit_anchors"]["objects"] >= 1

    target = _fresh_stack(world)
    assert backup.fingerprint(target).items == 0
    assert backup_cli(["load", "--from", str(snapshot), "--table-prefix", RESTORED_PREFIX,
                       "--image-bucket", RESTORED_IMAGES, "--anchor-bucket", RESTORED_ANCHORS]) == 0
    capsys.readouterr()
    restored = backup.fingerprint(target)
    assert restored.differences(backup.fingerprint(source)) == []
    tables = exported["tables"]
    print(f"restore drill: {restored.items} items in {len(tables)} tables, {restored.objects} objects restored")

    # The app on the restored stack: the audit trail verifies, and people read what they read before.
    monkeypatch.setenv("TABLE_PREFIX", RESTORED_PREFIX)
    monkeypatch.setenv("IMAGE_BUCKET", RESTORED_IMAGES)
    monkeypatch.setenv("AUDIT_ANCHOR_BUCKET", RESTORED_ANCHORS)
    reset_container()
    assert get_settings().table_prefix == RESTORED_PREFIX
    report = get_container().audit.verify()
    assert report.ok, report.view()
    after = _reads(world, ids)
    assert after["record"] == before["record"] and after["scores"] == before["scores"]
    assert after["photo"] == before["photo"] and after["timeline"] == before["timeline"]
    # Reading them was audited on the restored stack, not on the source.
    assert backup.fingerprint(target).tables["audit_log"][0] > restored.tables["audit_log"][0]


def test_a_damaged_snapshot_is_refused_before_anything_is_written(
    world: World, s3: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    provision_emr(world, monkeypatch)
    _scenario(world, s3)
    backup = get_container().backup
    settings = get_settings()
    snapshot = tmp_path / "snapshot"
    backup.export(StackNames(settings.table_prefix, {"images": settings.image_bucket}), snapshot)
    lines = (snapshot / "tables" / "scores.jsonl").read_text().splitlines()
    (snapshot / "tables" / "scores.jsonl").write_text("\n".join(lines[:-1]) + "\n")  # one score lost

    target = _fresh_stack(world)
    with pytest.raises(ValidationError) as refused:
        backup.load(snapshot, target)
    assert refused.value.code == "snapshot_corrupt"
    assert backup.fingerprint(target).items == 0 and backup.fingerprint(target).objects == 0
    with pytest.raises(ValidationError) as again:
        backup.export(StackNames(settings.table_prefix), snapshot)
    assert again.value.code == "snapshot_exists"
