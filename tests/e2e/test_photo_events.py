"""Photo uploads through the real local event path: presigned POST to moto over HTTP -> S3 "Object
Created" -> EventBridge rule -> SQS -> the stack's event poller -> the app's `process_photo_upload`
handler. Nothing here calls the handler directly: a verdict appearing proves the path works."""

from __future__ import annotations

import time
from typing import Any

import requests

from functions.images.ports import upload_key
from local.seed import DEMO_PASSWORD, PAT_ALEX
from local.stack import LocalStack
from tests.support.images import blurry_jpeg, phone_jpeg

VERDICT_TIMEOUT_SECONDS = 45


def call(stack: LocalStack, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.request(method, stack.api_url + path, json=body, headers=headers, timeout=30)
    assert response.status_code < 500, response.text
    return response


def token_of(stack: LocalStack, username: str, password: str) -> str:
    response = call(stack, "POST", "/auth/login", body={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["accessToken"])


def send_photo(stack: LocalStack, token: str, case_id: str, data: bytes) -> dict[str, Any]:
    response = call(stack, "POST", f"/cases/{case_id}/photos/uploads", token,
                    {"bodySite": "elbow_left", "contentType": "image/jpeg", "sizeBytes": len(data), "source": "camera"})
    assert response.status_code == 201, response.text
    intent: dict[str, Any] = response.json()
    upload = intent["upload"]
    # Browsers (phones on the LAN included) reach S3 through the stack's own origin.
    assert upload["url"].startswith(stack.base_url + "/s3/"), upload["url"]
    posted = requests.post(upload["url"], data=upload["fields"],
                           files={upload["fileField"]: ("photo.jpg", data, "image/jpeg")}, timeout=30)
    assert posted.status_code in (200, 201, 204), posted.text
    return intent


def verdict(stack: LocalStack, token: str, case_id: str, photo_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + VERDICT_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        status: dict[str, Any] = call(stack, "GET", f"/cases/{case_id}/photos/uploads/{photo_id}", token).json()
        if status["status"] in ("accepted", "rejected"):
            return status
        time.sleep(0.3)
    raise AssertionError(f"no verdict for {photo_id} within {VERDICT_TIMEOUT_SECONDS} s: {status}")


def object_versions(stack: LocalStack, key: str) -> list[str]:
    assert stack.resources is not None
    answer = stack.client("s3").list_object_versions(Bucket=stack.resources.image_bucket, Prefix=key)
    return [v["VersionId"] for v in answer.get("Versions", []) + answer.get("DeleteMarkers", [])]


def test_uploads_are_judged_through_the_local_event_path(stack: LocalStack) -> None:
    assert any(handler.name == "process_photo_upload" for handler in (stack.events.handlers if stack.events else []))
    token = token_of(stack, PAT_ALEX.username, PAT_ALEX.password)
    case_id = call(stack, "GET", "/cases", token).json()["items"][0]["caseId"]

    accepted = send_photo(stack, token, case_id, phone_jpeg(gps=True))
    rejected = send_photo(stack, token, case_id, blurry_jpeg())

    good = verdict(stack, token, case_id, accepted["photoId"])
    assert good["status"] == "accepted", good
    photo = good["photo"]
    display = requests.get(photo["urls"]["display"], timeout=30)
    assert display.status_code == 200 and display.content[:2] == b"\xff\xd8"

    bad = verdict(stack, token, case_id, rejected["photoId"])
    assert (bad["status"], bad["rejection"]["code"]) == ("rejected", "blurry")

    for intent in (accepted, rejected):
        assert object_versions(stack, upload_key(case_id, intent["photoId"])) == []

    doctor = token_of(stack, "dr.chen", DEMO_PASSWORD)
    timeline = call(stack, "GET", f"/cases/{case_id}/timeline", doctor).json()["items"]
    assert accepted["photoId"] in [event["refId"] for event in timeline if event["type"] == "photo"]
    assert rejected["photoId"] not in [event["refId"] for event in timeline]
