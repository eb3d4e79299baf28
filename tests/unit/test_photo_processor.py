"""ImageProcessor with in-memory stores: at-least-once delivery, several uploads under one key,
and the object checks S3 would enforce in AWS but moto does not."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import pytest

from functions.images.ports import ObjectInfo, Photo, UploadIntent, UploadStatus, rendition_key, upload_key
from functions.images.processor import ImageProcessor
from functions.images.projection import photo_event
from functions.shared.clock import iso
from functions.timeline.ports import TimelineEvent
from tests.support.images import phone_jpeg

BUCKET = "images"
CASE = "case_0123456789"
PHOTO = "ph0190000000000000000000000001"
NOW = 1_767_261_600.0  # 2026-01-01T10:00:00Z


class Intents:
    def __init__(self) -> None:
        self.items: dict[str, UploadIntent] = {}

    def get(self, photo_id: str) -> UploadIntent | None:
        return self.items.get(photo_id)

    def claim(self, photo_id: str, token: str, now: str) -> UploadIntent | None:
        intent = self.items.get(photo_id)
        if intent is None:
            return None
        held_by_token = intent.status is UploadStatus.PROCESSING and intent.claim == token
        if intent.status is UploadStatus.PENDING or held_by_token:
            self.items[photo_id] = replace(intent, status=UploadStatus.PROCESSING, claim=token, updated_at=now)
            return self.items[photo_id]
        return None

    def finish(self, photo_id: str, token: str, status: UploadStatus, now: str, expires_at_epoch: int,
               reason_code: str | None = None, reason_message: str | None = None) -> bool:
        intent = self.items[photo_id]
        if intent.status is not UploadStatus.PROCESSING or intent.claim != token:
            return False
        self.items[photo_id] = replace(intent, status=status, updated_at=now, expires_at_epoch=expires_at_epoch,
                                       reason_code=reason_code, reason_message=reason_message)
        return True


class Photos:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Photo] = {}

    def put(self, photo: Photo) -> None:
        self.items[(photo.case_id, photo.photo_id)] = photo

    def get(self, case_id: str, photo_id: str) -> Photo | None:
        return self.items.get((case_id, photo_id))


@dataclass
class Stored:
    data: bytes
    content_type: str
    modified: float


@dataclass
class Objects:
    versions: dict[tuple[str, str | None], Stored] = field(default_factory=dict)
    deleted: list[tuple[str, str | None]] = field(default_factory=list)

    def head(self, key: str, version_id: str | None) -> ObjectInfo | None:
        stored = self.versions.get((key, version_id))
        return None if stored is None else ObjectInfo(len(stored.data), stored.content_type, stored.modified)

    def read(self, key: str, version_id: str | None, max_bytes: int) -> bytes:
        return self.versions[(key, version_id)].data[: max_bytes + 1]

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.versions[(key, None)] = Stored(data, content_type, NOW)

    def delete(self, key: str, version_id: str | None) -> None:
        self.versions.pop((key, version_id), None)
        self.deleted.append((key, version_id))


class Timeline:
    def __init__(self) -> None:
        self.events: dict[str, TimelineEvent] = {}
        self.appends = 0
        self.sealed_appends = 0

    def append(self, event: TimelineEvent) -> None:
        self.appends += 1
        self.events[event.event_key] = event

    def seal_summary(self, event: TimelineEvent) -> bytes:
        return repr(sorted(event.summary.items())).encode()

    def append_sealed(self, event: TimelineEvent, sealed_summary: bytes) -> None:
        assert sealed_summary == self.seal_summary(event), "the summary sealed ahead is this event's"
        self.sealed_appends += 1
        self.append(event)


@dataclass
class Rig:
    intents: Intents
    photos: Photos
    objects: Objects
    timeline: Timeline
    processor: ImageProcessor

    def land(self, data: bytes, version: str, content_type: str = "image/jpeg", modified: float = NOW) -> None:
        self.objects.versions[(upload_key(CASE, PHOTO), version)] = Stored(data, content_type, modified)

    def event(self, version: str, key: str | None = None, bucket: str = BUCKET) -> str:
        return self.processor.handle(bucket, key or upload_key(CASE, PHOTO), version, version)


@pytest.fixture
def rig() -> Rig:
    intents, photos, objects, timeline = Intents(), Photos(), Objects(), Timeline()
    intents.items[PHOTO] = UploadIntent(
        photo_id=PHOTO, case_id=CASE, uploaded_by="patient-1", uploader_role="patient", body_site="elbow_left",
        lesion_id=None, content_type="image/jpeg", size_bytes=2_000_000, captured_at=iso(NOW - 60),
        source="camera", uploaded_at=iso(NOW - 30), upload_by=iso(NOW + 270), status=UploadStatus.PENDING,
        expires_at_epoch=int(NOW) + 86400,
    )
    # As the upload route hands it out: the accepted photo's summary sealed ahead.
    intents.items[PHOTO] = replace(intents.items[PHOTO], timeline_summary_sealed=timeline.seal_summary(
        photo_event(intents.items[PHOTO])))
    processor = ImageProcessor(intents, photos, objects, BUCKET, timeline, clock=lambda: NOW)  # type: ignore[arg-type]
    return Rig(intents, photos, objects, timeline, processor)


def test_accepted_upload(rig: Rig) -> None:
    rig.land(phone_jpeg(), "v1")
    assert rig.event("v1") == "accepted"
    assert rig.intents.items[PHOTO].status is UploadStatus.ACCEPTED
    photo = rig.photos.items[(CASE, PHOTO)]
    assert (photo.width, photo.height, photo.body_site) == (1200, 900, "elbow_left")
    for name in ("full", "display", "thumb"):
        assert (rendition_key(CASE, PHOTO, name), None) in rig.objects.versions
    assert (upload_key(CASE, PHOTO), "v1") not in rig.objects.versions, "the raw upload must be deleted"
    assert [e.type.value for e in rig.timeline.events.values()] == ["photo"]
    assert rig.timeline.sealed_appends == 1, "the summary sealed ahead is written: the processor seals nothing"


def test_redelivered_event_changes_nothing(rig: Rig) -> None:
    rig.land(phone_jpeg(), "v1")
    rig.event("v1")
    photo = rig.photos.items[(CASE, PHOTO)]
    assert rig.event("v1") == "discarded:already_decided"
    assert rig.photos.items[(CASE, PHOTO)] == photo
    assert len(rig.timeline.events) == 1, "a re-announcement lands on the same timeline key"


def test_a_redelivered_event_after_removal_does_not_bring_the_photo_back_to_the_timeline(rig: Rig) -> None:
    rig.land(phone_jpeg(), "v1")
    rig.event("v1")
    del rig.photos.items[(CASE, PHOTO)]  # removed by its owner
    rig.timeline.events.clear()  # stands for the event rewritten as removed
    assert rig.event("v1") == "discarded:already_decided"
    assert rig.timeline.events == {}


def test_a_second_upload_under_the_same_key_is_deleted(rig: Rig) -> None:
    rig.land(phone_jpeg(), "v1")
    rig.intents.claim(PHOTO, "v1", "now")  # the first version is being processed
    rig.land(phone_jpeg(), "v2")
    assert rig.event("v2") == "discarded:already_decided"
    assert (upload_key(CASE, PHOTO), "v2") in rig.objects.deleted
    assert rig.intents.items[PHOTO].claim == "v1"
    assert rig.event("v1") == "accepted", "the claim holder's retry still completes"


def test_renditions_and_other_buckets_are_ignored_without_io(rig: Rig) -> None:
    assert rig.event("x", key=rendition_key(CASE, PHOTO, "full")) == "ignored:not_an_upload"
    assert rig.event("x", bucket="someone-elses") == "ignored:other_bucket"
    assert rig.objects.deleted == []


def test_upload_without_intent_is_deleted(rig: Rig) -> None:
    key = upload_key(CASE, "ph0190000000000000000000000999")
    rig.objects.versions[(key, "v1")] = Stored(phone_jpeg(), "image/jpeg", NOW)
    assert rig.processor.handle(BUCKET, key, "v1", "v1") == "discarded:no_intent"
    assert (key, "v1") not in rig.objects.versions


def test_upload_under_another_cases_prefix_is_deleted(rig: Rig) -> None:
    key = upload_key("case_other000000", PHOTO)
    rig.objects.versions[(key, "v1")] = Stored(phone_jpeg(), "image/jpeg", NOW)
    assert rig.processor.handle(BUCKET, key, "v1", "v1") == "discarded:no_intent"
    assert rig.intents.items[PHOTO].status is UploadStatus.PENDING


@pytest.mark.parametrize(("content_type", "size", "modified", "code"), [
    ("image/png", None, NOW, "content_type_mismatch"),
    ("image/jpeg", 2_000_001, NOW, "too_large"),
    ("image/jpeg", None, NOW + 270 + 61, "upload_expired"),
])
def test_policy_rules_are_checked_after_landing(rig: Rig, content_type: str, size: int | None, modified: float,
                                                 code: str) -> None:
    data = phone_jpeg()
    if size is not None:
        data = data + b"\x00" * (size - len(data))
    rig.land(data, "v1", content_type=content_type, modified=modified)
    assert rig.event("v1") == f"rejected:{code}"
    intent = rig.intents.items[PHOTO]
    assert (intent.status, intent.reason_code) == (UploadStatus.REJECTED, code)
    assert intent.reason_message
    assert (upload_key(CASE, PHOTO), "v1") not in rig.objects.versions
    assert rig.photos.items == {} and rig.timeline.events == {}


def test_image_rule_rejection_is_recorded(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.support.images import blurry_jpeg

    rig.land(blurry_jpeg(), "v1")
    capsys.readouterr()
    assert rig.event("v1") == "rejected:blurry"
    assert rig.intents.items[PHOTO].reason_code == "blurry"
    # One UploadRejected per refused photo, by reason (the ops dashboard's refusals widget).
    (metric,) = [record for record in map(json.loads, capsys.readouterr().out.splitlines()) if "_aws" in record]
    (directive,) = metric["_aws"]["CloudWatchMetrics"]
    assert directive["Dimensions"] == [["reason", "service", "stage"]]
    assert directive["Metrics"] == [{"Name": "UploadRejected", "Unit": "Count"}]
    assert (metric["UploadRejected"], metric["reason"]) == (1, "blurry")
