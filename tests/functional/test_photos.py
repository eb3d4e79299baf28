"""Lesion photos end to end: presigned POST to the moto server over real HTTP, then the S3 "Object
Created" EventBridge event into the processing handler, then the photo through presigned GETs.

moto enforces none of the POST policy, so these tests also prove that every rule is checked after
the object lands, and that a refused object is gone for good (no version left behind)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from PIL import Image

from functions.images.ports import photo_prefix, upload_key
from functions.shared.settings import get_settings
from tests.functional.conftest import REGION, World
from tests.support.images import (
    blurry_jpeg,
    dark_jpeg,
    encode,
    overexposed_jpeg,
    phone_jpeg,
    png_header_only,
    textured,
)


def ask_upload(world: World, user: str, case: str, size: int, content_type: str = "image/jpeg",
               **extra: Any) -> Any:
    body = {"bodySite": "elbow_left", "contentType": content_type, "sizeBytes": size, "source": "camera", **extra}
    return world.request("POST", f"/cases/{case}/photos/uploads", user=user, body=body)


def post_file(intent: dict[str, Any], data: bytes, content_type: str | None = None,
              fields: dict[str, str] | None = None) -> None:
    """What the browser does: a multipart form with the policy fields first and the file last."""
    upload = intent["upload"]
    form = {**upload["fields"], **(fields or {})}
    response = requests.post(upload["url"], data=form,
                             files={upload["fileField"]: ("photo", data, content_type or intent["contentType"])},
                             timeout=30)
    assert response.status_code in (200, 201, 204), response.text


def versions(s3: Any, key: str) -> list[str]:
    answer = s3.list_object_versions(Bucket=get_settings().image_bucket, Prefix=key)
    return [v["VersionId"] for v in answer.get("Versions", [])] + [m["VersionId"] for m in
                                                                    answer.get("DeleteMarkers", [])]


def deliver(world: World, s3: Any, key: str) -> str:
    """The EventBridge event S3 sends for the newest version of `key`, into the Lambda handler."""
    bucket = get_settings().image_bucket
    head = s3.head_object(Bucket=bucket, Key=key)
    event = world.client.events.generate_cw_event(
        source="aws.s3",
        detail_type="Object Created",
        detail={
            "version": "0",
            "bucket": {"name": bucket},
            "object": {"key": key, "size": head["ContentLength"], "eTag": head["ETag"].strip('"'),
                       "version-id": head.get("VersionId"), "sequencer": "0062E99A88DC407460"},
            "reason": "PostObject",
        },
        resources=[f"arn:aws:s3:::{bucket}"],
        region=REGION,
    )
    response = world.client.lambda_.invoke("process_photo_upload", event)
    return str(response.payload["outcome"])


def upload_photo(world: World, s3: Any, data: bytes, user: str = "pat.a", case_key: str = "a",
                 **extra: Any) -> dict[str, Any]:
    case = world.cases[case_key]
    response = ask_upload(world, user, case, len(data), **extra)
    assert response.status_code == 201, response.body
    intent = response.json_body
    post_file(intent, data)
    deliver(world, s3, upload_key(case, intent["photoId"]))
    return dict(intent)


def status_of(world: World, user: str, case: str, photo_id: str) -> Any:
    return world.request("GET", f"/cases/{case}/photos/uploads/{photo_id}", user=user)


# --- the happy path ----------------------------------------------------------------------------------
def test_accepted_photo_end_to_end(world: World, s3: Any) -> None:
    case = world.cases["a"]
    lesion = world.request("POST", f"/cases/{case}/lesions", user="pat.a",
                           body={"bodySite": "elbow_left", "view": "back", "x": 0.21, "y": 0.43,
                                 "label": "Plaque on the left elbow"}).json_body
    data = phone_jpeg(2400, 1800, orientation=6, gps=True)
    intent = upload_photo(world, s3, data, lesionId=lesion["lesionId"], capturedAt="2026-01-02T09:30:00+01:00")
    photo_id = intent["photoId"]

    status = status_of(world, "pat.a", case, photo_id).json_body
    assert status["status"] == "accepted"
    photo = status["photo"]
    assert (photo["width"], photo["height"]) == (1800, 2400), "EXIF orientation applied"
    assert photo["lesionId"] == lesion["lesionId"] and photo["bodySite"] == "elbow_left"
    assert photo["capturedAt"] == "2026-01-02T08:30:00+00:00"
    assert versions(s3, upload_key(case, photo_id)) == [], "the raw upload (with its GPS EXIF) is gone for good"

    detail = world.request("GET", f"/cases/{case}/photos/{photo_id}", user="dr.one").json_body
    assert set(detail["urls"]) == {"full", "display", "thumb"}
    fetched = {}
    for name, url in detail["urls"].items():
        response = requests.get(url, timeout=30)
        assert response.status_code == 200, name
        assert "X-Amz-Expires=300" in url
        fetched[name] = response.content
    full = Image.open(io.BytesIO(fetched["full"]))
    assert full.size == (1800, 2400) and len(full.getexif()) == 0
    assert hashlib.sha256(fetched["full"]).hexdigest() == detail["sha256"]
    assert max(Image.open(io.BytesIO(fetched["display"])).size) == 1920
    assert max(Image.open(io.BytesIO(fetched["thumb"])).size) == 320

    listed = world.request("GET", f"/cases/{case}/photos", user="pat.a").json_body["items"]
    assert [p["photoId"] for p in listed] == [photo_id]
    assert set(listed[0]["urls"]) == {"display", "thumb"}
    by_site = world.request("GET", f"/cases/{case}/photos?bodySite=elbow_left", user="pat.a").json_body["items"]
    by_lesion = world.request("GET", f"/cases/{case}/photos?lesionId={lesion['lesionId']}", user="pat.a").json_body
    assert [p["photoId"] for p in by_site] == [p["photoId"] for p in by_lesion["items"]] == [photo_id]
    other_site = world.request("GET", f"/cases/{case}/photos?bodySite=scalp", user="pat.a").json_body["items"]
    assert other_site == []

    ghost = world.request("GET", f"/cases/{case}/lesions/{lesion['lesionId']}/latest-photo", user="pat.a").json_body
    assert ghost["photoId"] == photo_id and "display" in ghost["urls"]

    timeline = world.request("GET", f"/cases/{case}/timeline", user="pat.a").json_body["items"]
    assert [(e["type"], e["refId"]) for e in timeline] == [("photo", photo_id)]
    assert timeline[0]["summary"]["bodySite"] == "elbow_left"


# What a photo's and an upload intent's items keep readable: ids, the upload's handling, sizes, quality.
READABLE_PHOTO_ATTRIBUTES = {"caseId", "photoId", "caseSite", "caseLesion", "lesionId", "uploadedAt", "processedAt",
                             "uploadedBy", "uploaderRole", "source", "width", "height", "sizeBytes", "sha256",
                             "quality", "siteTag"}
READABLE_INTENT_ATTRIBUTES = {"photoId", "caseId", "uploaderId", "uploaderRole", "lesionId", "contentType",
                              "sizeBytes", "source", "createdAt", "uploadBy", "status", "expiresAtEpoch", "claim",
                              "reasonCode", "reasonMessage", "updatedAt", "siteTag"}


def raw_items(world: World, table: str) -> list[dict[str, Any]]:
    import boto3

    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    return list(client.scan(TableName=f"dermafollow-local-{table}")["Items"])


def test_a_photos_body_site_and_capture_time_are_sealed_at_rest(world: World, s3: Any) -> None:
    case = world.cases["a"]
    data = phone_jpeg()
    intent = upload_photo(world, s3, data, bodySite="genital_area", capturedAt="2026-01-02T03:12:00+00:00")
    (photo,), (upload,) = raw_items(world, "photos"), raw_items(world, "photo_uploads")
    assert set(photo) - READABLE_PHOTO_ATTRIBUTES == {"factsSealed"}
    assert set(upload) - READABLE_INTENT_ATTRIBUTES == {"factsSealed", "timelineSummarySealed"}
    for item in (photo, upload):
        assert "genital" not in repr(item) and "03:12" not in repr(item), item
    # The processor (no field key) copied the intent's sealed facts and site tag as they were.
    assert photo["factsSealed"] == upload["factsSealed"] and photo["siteTag"] == upload["siteTag"]
    assert photo["caseSite"]["S"] == f"{case}#{photo['siteTag']['S']}"
    # The API answers them as before, and lists by site through the tag.
    detail = world.request("GET", f"/cases/{case}/photos/{intent['photoId']}", user="dr.one").json_body
    assert (detail["bodySite"], detail["capturedAt"]) == ("genital_area", "2026-01-02T03:12:00+00:00")
    by_site = world.request("GET", f"/cases/{case}/photos?bodySite=genital_area", user="dr.one").json_body["items"]
    assert [p["photoId"] for p in by_site] == [intent["photoId"]]
    status = status_of(world, "pat.a", case, intent["photoId"]).json_body
    assert (status["bodySite"], status["capturedAt"]) == ("genital_area", "2026-01-02T03:12:00+00:00")


def test_a_photo_stored_with_plaintext_facts_is_not_answered_until_migrated(world: World, s3: Any) -> None:
    import boto3

    case = world.cases["a"]
    intent = upload_photo(world, s3, phone_jpeg())
    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    client.update_item(TableName="dermafollow-local-photos",
                       Key={"caseId": {"S": case}, "photoId": {"S": intent["photoId"]}},
                       UpdateExpression="SET bodySite = :s, capturedAt = :t REMOVE factsSealed, siteTag",
                       ExpressionAttributeValues={":s": {"S": "genital_area"}, ":t": {"S": "2026-01-02T03:12:00Z"}})
    for path in (f"/cases/{case}/photos", f"/cases/{case}/photos/{intent['photoId']}"):
        answer = world.request("GET", path, user="pat.a")
        assert answer.status_code == 503, answer.body
        assert "genital" not in answer.body.decode()


def test_photos_list_newest_capture_first_and_ghost_is_the_latest(world: World, s3: Any) -> None:
    case = world.cases["a"]
    lesion = world.request("POST", f"/cases/{case}/lesions", user="dr.one",
                           body={"bodySite": "elbow_left", "view": "back", "x": 0.2, "y": 0.4, "label": "L1"}).json_body
    now = datetime.now(UTC)
    ids = []
    for days in (20, 5, 12):
        taken = (now - timedelta(days=days)).isoformat(timespec="seconds")
        ids.append(upload_photo(world, s3, phone_jpeg(gps=False), lesionId=lesion["lesionId"],
                                capturedAt=taken)["photoId"])
    listed = world.request("GET", f"/cases/{case}/photos?limit=2", user="pat.a").json_body
    assert [p["photoId"] for p in listed["items"]] == [ids[1], ids[2]]
    rest = world.request("GET", f"/cases/{case}/photos?limit=2&cursor={listed['nextCursor']}", user="pat.a").json_body
    assert [p["photoId"] for p in rest["items"]] == [ids[0]]
    ghost = world.request("GET", f"/cases/{case}/lesions/{lesion['lesionId']}/latest-photo", user="pat.a").json_body
    assert ghost["photoId"] == ids[1]


def test_presigned_post_is_limited_to_the_key_type_size_and_five_minutes(world: World, s3: Any) -> None:
    intent = ask_upload(world, "pat.a", world.cases["a"], 123_456).json_body
    fields = intent["upload"]["fields"]
    assert fields["key"] == upload_key(world.cases["a"], intent["photoId"])
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 1, 123_456] in conditions
    assert {"key": fields["key"]} in conditions
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert timedelta(0) < expires - datetime.now(UTC) <= timedelta(minutes=5)
    assert intent["status"] == "pending"
    assert status_of(world, "pat.a", world.cases["a"], intent["photoId"]).json_body["status"] == "pending"


# --- every rule: rejected, deleted, and the patient is told why ----------------------------------------
def _tiny() -> bytes:
    return encode(textured(640, 480))


def _truncated() -> bytes:
    data = phone_jpeg(gps=False)
    return data[: len(data) // 2]


REJECTIONS: list[tuple[str, Callable[[], bytes], str, dict[str, Any]]] = [
    ("too_small", _tiny, "image/jpeg", {}),
    ("blurry", blurry_jpeg, "image/jpeg", {}),
    ("too_dark", dark_jpeg, "image/jpeg", {}),
    ("overexposed", overexposed_jpeg, "image/jpeg", {}),
    ("too_many_pixels", lambda: png_header_only(20_000, 20_000), "image/png", {}),
    ("unsupported_format", lambda: b"%PDF-1.7\n" + b"0" * 4000, "image/png", {}),
    ("content_type_mismatch", lambda: encode(textured(1000, 800), "PNG"), "image/jpeg", {}),
    ("corrupt_image", _truncated, "image/jpeg", {}),
]


@pytest.mark.parametrize(("code", "make", "content_type", "extra"), REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_each_rule_rejects_and_deletes(world: World, s3: Any, code: str, make: Any, content_type: str,
                                       extra: dict[str, Any]) -> None:
    case = world.cases["a"]
    data = make()
    intent = ask_upload(world, "pat.a", case, len(data), content_type=content_type).json_body
    post_file(intent, data)
    key = upload_key(case, intent["photoId"])
    assert deliver(world, s3, key) == f"rejected:{code}"
    status = status_of(world, "pat.a", case, intent["photoId"]).json_body
    assert status["status"] == "rejected"
    assert status["rejection"]["code"] == code
    assert len(status["rejection"]["message"]) > 20
    assert versions(s3, key) == []
    assert world.request("GET", f"/cases/{case}/photos", user="pat.a").json_body["items"] == []
    assert world.request("GET", f"/cases/{case}/timeline", user="pat.a").json_body["items"] == []


def test_bigger_than_announced_is_rejected(world: World, s3: Any) -> None:
    """content-length-range is not enforced by moto: the processor compares with the declared size."""
    case = world.cases["a"]
    data = phone_jpeg(gps=False)
    intent = ask_upload(world, "pat.a", case, len(data) - 1000).json_body
    post_file(intent, data)
    key = upload_key(case, intent["photoId"])
    assert deliver(world, s3, key) == "rejected:too_large"
    assert versions(s3, key) == []


def test_content_type_field_other_than_the_policy_is_rejected(world: World, s3: Any) -> None:
    case = world.cases["a"]
    data = phone_jpeg(gps=False)
    intent = ask_upload(world, "pat.a", case, len(data)).json_body
    post_file(intent, data, content_type="image/png", fields={"Content-Type": "image/png"})
    key = upload_key(case, intent["photoId"])
    assert deliver(world, s3, key) == "rejected:content_type_mismatch"
    assert versions(s3, key) == []


def test_object_under_another_cases_prefix_is_discarded(world: World, s3: Any) -> None:
    """moto ignores the policy's key condition: pat.b posts her intent's object into case a's prefix."""
    data = phone_jpeg(gps=False)
    intent = ask_upload(world, "pat.b", world.cases["b"], len(data)).json_body
    foreign = upload_key(world.cases["a"], intent["photoId"])
    post_file(intent, data, fields={"key": foreign})
    assert deliver(world, s3, foreign) == "discarded:no_intent"
    assert versions(s3, foreign) == []
    assert status_of(world, "pat.b", world.cases["b"], intent["photoId"]).json_body["status"] == "pending"


def test_a_redelivered_event_is_harmless(world: World, s3: Any) -> None:
    case = world.cases["a"]
    data = phone_jpeg(gps=False)
    intent = ask_upload(world, "pat.a", case, len(data)).json_body
    post_file(intent, data)
    key = upload_key(case, intent["photoId"])
    head = s3.head_object(Bucket=get_settings().image_bucket, Key=key)
    assert deliver(world, s3, key) == "accepted"
    s3.put_object(Bucket=get_settings().image_bucket, Key=key, Body=data, ContentType="image/jpeg")
    assert deliver(world, s3, key) == "discarded:already_decided", "a second object under the key"
    assert versions(s3, key) == []
    assert head["VersionId"]
    timeline = world.request("GET", f"/cases/{case}/timeline", user="pat.a").json_body["items"]
    assert len(timeline) == 1


def test_renditions_landing_in_the_bucket_are_ignored(world: World, s3: Any) -> None:
    intent = upload_photo(world, s3, phone_jpeg(gps=False))
    key = f"cases/{world.cases['a']}/photos/{intent['photoId']}/display.jpg"
    assert deliver(world, s3, key) == "ignored:not_an_upload"


# --- validation of the intent -----------------------------------------------------------------------
@pytest.mark.parametrize(("change", "code"), [
    ({"bodySite": "left elbow"}, "validation_error"),
    ({"contentType": "image/gif"}, "validation_error"),
    ({"contentType": "image/heic"}, "validation_error"),
    ({"sizeBytes": 20 * 1024 * 1024 + 1}, "validation_error"),
    ({"sizeBytes": 0}, "validation_error"),
    ({"source": "scanner"}, "validation_error"),
    ({"capturedAt": "2099-01-01T00:00:00Z"}, "captured_in_future"),
    ({"capturedAt": "2026-01-01T00:00:00"}, "validation_error"),
    ({"extra": 1}, "validation_error"),
])
def test_upload_intent_validation(world: World, change: dict[str, Any], code: str) -> None:
    body = {"bodySite": "elbow_left", "contentType": "image/jpeg", "sizeBytes": 1000, "source": "camera", **change}
    response = world.request("POST", f"/cases/{world.cases['a']}/photos/uploads", user="pat.a", body=body)
    assert response.status_code == 400, response.body
    assert response.json_body["error"]["code"] == code


def test_lesion_must_belong_to_the_case_and_site(world: World) -> None:
    lesion_b = world.request("POST", f"/cases/{world.cases['b']}/lesions", user="pat.b",
                             body={"bodySite": "hand_right", "view": "front", "x": 0.8, "y": 0.5,
                                   "label": "b"}).json_body
    response = ask_upload(world, "pat.a", world.cases["a"], 1000, lesionId=lesion_b["lesionId"])
    assert (response.status_code, response.json_body["error"]["code"]) == (404, "lesion_not_found")
    response = ask_upload(world, "pat.b", world.cases["b"], 1000, lesionId=lesion_b["lesionId"])
    assert (response.status_code, response.json_body["error"]["code"]) == (400, "lesion_site_mismatch")


# --- access --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("user", "status"), [("pat.b", 404), ("dr.two", 404), ("ops", 403), ("nobody", 403)])
def test_no_right_to_the_case_means_no_photos(world: World, s3: Any, user: str, status: int) -> None:
    case = world.cases["a"]
    intent = upload_photo(world, s3, phone_jpeg(gps=False))
    photo_id = intent["photoId"]
    lesion = world.request("POST", f"/cases/{case}/lesions", user="pat.a",
                           body={"bodySite": "scalp", "view": "front", "x": 0.5, "y": 0.05, "label": "s"}).json_body
    attempts = [
        ("GET", f"/cases/{case}/photos", None),
        ("GET", f"/cases/{case}/photos/{photo_id}", None),
        ("GET", f"/cases/{case}/photos/uploads/{photo_id}", None),
        ("GET", f"/cases/{case}/photos/uploads", None),
        ("GET", f"/cases/{case}/lesions/{lesion['lesionId']}/latest-photo", None),
        ("GET", f"/cases/{case}/lesions", None),
        ("POST", f"/cases/{case}/photos/uploads",
         {"bodySite": "elbow_left", "contentType": "image/jpeg", "sizeBytes": 1000, "source": "camera"}),
        ("POST", f"/cases/{case}/lesions", {"bodySite": "scalp", "view": "front", "x": 0.5, "y": 0.1, "label": "x"}),
        ("POST", f"/cases/{case}/photos/{photo_id}/remove", {"reason": "wrong_photo"}),
    ]
    for method, path, body in attempts:
        response = world.request(method, path, user=user, body=body)
        assert response.status_code == status, (method, path, response.body)
        if status == 404:
            assert response.json_body["error"]["code"] == "case_not_found", path
            assert photo_id not in json.dumps(response.json_body)
    assert world.request("GET", f"/cases/{case}/photos/{photo_id}", user="pat.a").status_code == 200


def test_a_photo_id_from_another_case_is_not_found(world: World, s3: Any) -> None:
    photo_id = upload_photo(world, s3, phone_jpeg(gps=False))["photoId"]
    response = world.request("GET", f"/cases/{world.cases['b']}/photos/{photo_id}", user="pat.b")
    assert (response.status_code, response.json_body["error"]["code"]) == (404, "photo_not_found")
    response = world.request("GET", f"/cases/{world.cases['b']}/photos/uploads/{photo_id}", user="pat.b")
    assert (response.status_code, response.json_body["error"]["code"]) == (404, "upload_not_found")


def test_the_assigned_doctor_can_upload_during_a_visit(world: World, s3: Any) -> None:
    intent = upload_photo(world, s3, phone_jpeg(gps=False), user="dr.one", source="visit")
    status = status_of(world, "pat.a", world.cases["a"], intent["photoId"]).json_body
    assert status["status"] == "accepted"
    assert status["photo"]["uploaderRole"] == "doctor" and status["photo"]["source"] == "visit"


# --- removing a photo ----------------------------------------------------------------------------------
def remove(world: World, user: str, photo_id: str, reason: Any = "wrong_photo", case_key: str = "a") -> Any:
    return world.request("POST", f"/cases/{world.cases[case_key]}/photos/{photo_id}/remove", user=user,
                         body={"reason": reason})


def test_whoever_took_a_photo_removes_it_for_good(world: World, s3: Any) -> None:
    case = world.cases["a"]
    kept = upload_photo(world, s3, phone_jpeg(gps=False))["photoId"]
    photo_id = upload_photo(world, s3, phone_jpeg(gps=False))["photoId"]
    assert len(versions(s3, photo_prefix(case, photo_id))) == 3

    answer = remove(world, "pat.a", photo_id)
    assert answer.status_code == 200, answer.body
    assert answer.json_body["status"] == "removed" and answer.json_body["reason"] == "wrong_photo"
    assert versions(s3, photo_prefix(case, photo_id)) == [], "no rendition, no older version, no delete marker"
    assert len(versions(s3, photo_prefix(case, kept))) == 3, "only that photo"
    gone = world.request("GET", f"/cases/{case}/photos/{photo_id}", user="dr.one")
    assert (gone.status_code, gone.json_body["error"]["code"]) == (404, "photo_not_found")
    listed = world.request("GET", f"/cases/{case}/photos", user="dr.one").json_body["items"]
    assert [p["photoId"] for p in listed] == [kept]

    events = world.request("GET", f"/cases/{case}/timeline", user="pat.a").json_body["items"]
    (event,) = [e for e in events if e["refId"] == photo_id]
    assert event["summary"]["removed"]["reason"] == "wrong_photo"
    assert "removed" not in next(e for e in events if e["refId"] == kept)["summary"]

    trail = world.request("GET", f"/admin/audit?patientId={world.users['pat.a'].user_id}", user="ops").json_body
    (entry,) = [e for e in trail["items"] if e["action"] == "photo.remove"]
    assert entry["actorId"] == world.users["pat.a"].user_id and entry["outcome"] == "success"
    assert entry["resource"] == {"type": "photo", "id": photo_id, "caseId": case}

    again = remove(world, "pat.a", photo_id)
    assert (again.status_code, again.json_body["error"]["code"]) == (404, "photo_not_found")


def test_an_assigned_doctor_may_remove_any_photo_of_the_case_others_may_not(world: World, s3: Any) -> None:
    case = world.cases["a"]
    by_patient = upload_photo(world, s3, phone_jpeg(gps=False))["photoId"]
    by_doctor = upload_photo(world, s3, phone_jpeg(gps=False), user="dr.one", source="visit")["photoId"]
    invited = world.request("POST", f"/cases/{case}/invitations", user="dr.one",
                            body={"doctorId": world.users["dr.three"].user_id, "expiresInHours": 2})
    assert invited.status_code == 201, invited.body

    refused = remove(world, "pat.a", by_doctor)
    assert (refused.status_code, refused.json_body["error"]["code"]) == (403, "photo_not_yours")
    refused = remove(world, "dr.three", by_patient)
    assert (refused.status_code, refused.json_body["error"]["code"]) == (403, "photo_not_yours")
    assert len(versions(s3, photo_prefix(case, by_patient))) == 3, "a refusal touches nothing"

    assert remove(world, "dr.one", by_patient, reason="poor_quality").status_code == 200
    assert remove(world, "dr.one", by_doctor, reason="duplicate").status_code == 200
    assert world.request("GET", f"/cases/{case}/photos", user="pat.a").json_body["items"] == []


@pytest.mark.parametrize("body", [{}, {"reason": "bored"}, {"reason": "other", "note": "x"}, {"reason": None}])
def test_a_removal_needs_one_known_reason(world: World, s3: Any, body: dict[str, Any]) -> None:
    case = world.cases["a"]
    photo_id = upload_photo(world, s3, phone_jpeg(gps=False))["photoId"]
    answer = world.request("POST", f"/cases/{case}/photos/{photo_id}/remove", user="pat.a", body=body)
    assert answer.status_code == 400 and answer.json_body["error"]["code"], answer.body
    assert world.request("GET", f"/cases/{case}/photos/{photo_id}", user="pat.a").status_code == 200
    assert len(versions(s3, photo_prefix(case, photo_id))) == 3


def test_a_photo_of_another_case_cannot_be_removed_through_yours(world: World, s3: Any) -> None:
    photo_id = upload_photo(world, s3, phone_jpeg(gps=False))["photoId"]
    answer = remove(world, "pat.b", photo_id, case_key="b")
    assert (answer.status_code, answer.json_body["error"]["code"]) == (404, "photo_not_found")
    assert world.request("GET", f"/cases/{world.cases['a']}/photos/{photo_id}", user="pat.a").status_code == 200
