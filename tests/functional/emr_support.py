"""Shared pieces of the medical-record functional tests: provisioning and sample entries."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from functions.bootstrap import reset_container
from tests.functional.conftest import REGION, World

KMS_ALIAS = "alias/dermafollow-local"
ANCHOR_BUCKET = "dermafollow-local-audit-anchor"

# Distinctive values: a raw scan of every table must find none of them in plaintext.
SAMPLES: dict[str, dict[str, Any]] = {
    "note": {
        "subjective": "Itching worse at night since the Tuesday hike (zq-subjective-71)",
        "objective": "Erythematous plaques both elbows, silvery scale (zq-objective-72)",
        "assessment": "Flare of chronic plaque psoriasis (zq-assessment-73)",
        "plan": "Step up topical therapy, review in four weeks (zq-plan-74)",
    },
    "diagnosis": {
        "code": "L40.0",
        "text": "Psoriasis vulgaris of the elbows (zq-diagnosis-75)",
        "clinicalStatus": "active",
        "onsetDate": "2025-03-14",
        "bodySites": ["elbow_left", "elbow_right"],
        "note": "Family history positive (zq-dxnote-76)",
    },
    "prescription": {
        "drug": "Calcipotriol-betamethasone gel (zq-drug-77)",
        "dose": "thin layer, 0.05% (zq-dose-78)",
        "route": "topical",
        "frequency": "once daily in the evening (zq-frequency-79)",
        "duration": {"value": 4, "unit": "week"},
        "instructions": "Avoid face and skin folds (zq-instructions-80)",
    },
    "plan": {
        "title": "Psoriasis control plan (zq-title-81)",
        "description": "Topical step-up then reassess for phototherapy (zq-description-82)",
        "goals": ["PASI 75 by week 12 (zq-goal-83)"],
        "activities": ["Photo of both elbows every two weeks (zq-activity-84)"],
        "status": "active",
        "period": {"start": "2026-01-05", "end": "2026-04-05"},
    },
    "followup": {
        "description": "Video follow-up with elbow photos (zq-followup-85)",
        "dueDate": "2026-02-02",
        "modality": "video",
        "instructions": "Upload photos the day before (zq-followup-instr-86)",
    },
}
RETRACTION_REASON = "Wrong patient selected (zq-reason-87)"
AMENDED_TEXT = "Psoriasis vulgaris, elbows and knees (zq-amended-88)"


def protected_values() -> list[str]:
    values: list[str] = [RETRACTION_REASON, AMENDED_TEXT]
    for content in SAMPLES.values():
        for value in content.values():
            if isinstance(value, str) and "zq-" in value:
                values.append(value)
            elif isinstance(value, list):
                values += [v for v in value if isinstance(v, str) and "zq-" in v]
    return values


def provision_emr(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Object Lock anchor bucket the record needs (the world has tables and the KMS key)."""
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=world.endpoint)
    s3.create_bucket(Bucket=ANCHOR_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION},
                     ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(
        Bucket=ANCHOR_BUCKET,
        ObjectLockConfiguration={"ObjectLockEnabled": "Enabled",
                                 "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}}},
    )
    monkeypatch.setenv("KMS_KEY_ID", KMS_ALIAS)
    monkeypatch.setenv("KEY_PROVIDER", "kms")
    monkeypatch.setenv("AUDIT_ANCHOR_BUCKET", ANCHOR_BUCKET)
    reset_container()


def create_entry(world: World, kind: str, *, user: str = "dr.one", case: str = "a",
                 links: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": kind, "content": SAMPLES[kind]}
    if links is not None:
        body["links"] = links
    response = world.request("POST", f"/cases/{world.cases[case]}/records", user=user, body=body)
    assert response.status_code == 201, response.body
    created: dict[str, Any] = response.json_body
    return created
