"""The photo processor: judges each object that lands under an upload key (the S3 -> EventBridge
Lambda, `functions/images/events.py`). It trusts nothing about the object (moto enforces no POST
policy, and in AWS a policy cannot say what the bytes are) and records a verdict on the intent.

This module is that function's own code: it imports nothing of the REST photo service
(`functions/images/service.py`), and Pillow only loads inside `process_image` (the imaging layer).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime

from functions.images.ports import (
    UPLOAD_KEY,
    IntentStore,
    ObjectStore,
    Photo,
    PhotoStore,
    UploadIntent,
    UploadStatus,
    rendition_key,
)
from functions.images.processing import ImageRejected, ProcessedImage, process_image
from functions.images.projection import photo_event
from functions.images.rules import FORMATS, MAX_UPLOAD_BYTES
from functions.migrations.legacy import not_migrated
from functions.shared.clock import Clock, iso
from functions.shared.observability import log_info, put_metrics
from functions.timeline.ports import PresealingTimeline

# An object that lands after the POST expired was not allowed by the policy (S3 refuses it in AWS);
# a little grace covers clock skew between S3 and the API.
UPLOAD_GRACE_SECONDS = 60
FINISHED_INTENT_TTL_SECONDS = 30 * 24 * 3600  # the verdict stays readable for a month

ProcessFunction = Callable[[bytes, str], ProcessedImage]


class ImageProcessor:
    """Judges one landed object. Safe to run twice for the same event (EventBridge delivers at least
    once) and for two objects under the same key (a POST policy allows several uploads until it
    expires): the first object version to claim the intent wins, any other is deleted."""

    def __init__(self, intents: IntentStore, photos: PhotoStore, objects: ObjectStore, bucket: str,
                 timeline: PresealingTimeline, process: ProcessFunction | None = None,
                 clock: Clock = time.time) -> None:
        self._intents = intents
        self._photos = photos
        self._objects = objects
        self._bucket = bucket
        self._timeline = timeline
        self._process = process
        self._clock = clock

    def handle(self, bucket: str, key: str, version_id: str | None, token: str) -> str:
        """Process an Object Created notification; returns the outcome (for logs and tests)."""
        if bucket != self._bucket:
            return "ignored:other_bucket"
        match = UPLOAD_KEY.fullmatch(key)
        if match is None:
            return "ignored:not_an_upload"  # our own renditions land in the same bucket
        case_id, photo_id = match.groups()
        intent = self._intents.get(photo_id)
        if intent is None or intent.case_id != case_id:
            # No intent: expired, never issued, or an upload under another case's prefix. Nobody to tell.
            self._objects.delete(key, version_id)
            return "discarded:no_intent"
        now = self._clock()
        claimed = self._intents.claim(photo_id, token, iso(now))
        if claimed is None:
            return self._already_decided(photo_id, key, version_id, token)
        try:
            processed = self._validate(claimed, key, version_id)
        except ImageRejected as rejected:
            return self._reject(claimed, key, version_id, token, rejected.code, rejected.message)
        return self._accept(claimed, key, version_id, token, processed)

    def _validate(self, intent: UploadIntent, key: str, version_id: str | None) -> ProcessedImage:
        info = self._objects.head(key, version_id)
        if info is None:
            raise ImageRejected("upload_missing", "The upload could not be found. Send the photo again.")
        deadline = datetime.fromisoformat(intent.upload_by).timestamp() + UPLOAD_GRACE_SECONDS
        if info.last_modified_epoch > deadline:
            raise ImageRejected("upload_expired", "The upload link had expired. Send the photo again.")
        if info.content_type != intent.content_type:
            raise ImageRejected("content_type_mismatch",
                            f"The upload was sent as {info.content_type or 'no type'}, not {intent.content_type}.")
        limit = min(intent.size_bytes, MAX_UPLOAD_BYTES)
        if info.size > limit:
            raise ImageRejected("too_large", f"The file is larger than announced ({info.size} > {limit} bytes).")
        if intent.content_type not in FORMATS:
            raise ImageRejected("unsupported_format", "Only JPEG and PNG photos are accepted.")
        data = self._objects.read(key, version_id, limit)
        if len(data) > limit:  # the object changed size between HEAD and GET
            raise ImageRejected("too_large", f"The file is larger than announced (> {limit} bytes).")
        return (self._process or process_image)(data, intent.content_type)

    def _accept(self, intent: UploadIntent, key: str, version_id: str | None, token: str,
                processed: ProcessedImage) -> str:
        for rendition in processed.renditions:
            self._objects.put(rendition_key(intent.case_id, intent.photo_id, rendition.name), rendition.data,
                              "image/jpeg")
        now = self._clock()
        photo = Photo.of(
            intent,
            processed_at=iso(now),
            width=processed.width,
            height=processed.height,
            size_bytes=len(processed.full.data),
            sha256=processed.sha256,
            quality={k: float(v) for k, v in asdict(processed.quality).items()},
        )
        self._photos.put(photo)
        if self._intents.finish(intent.photo_id, token, UploadStatus.ACCEPTED, iso(now),
                                int(now) + FINISHED_INTENT_TTL_SECONDS):
            self._announce(intent)
        self._objects.delete(key, version_id)
        log_info("photo accepted", case_id=intent.case_id, outcome="accepted")
        return "accepted"

    def _reject(self, intent: UploadIntent, key: str, version_id: str | None, token: str, code: str,
                message: str) -> str:
        now = self._clock()
        self._intents.finish(intent.photo_id, token, UploadStatus.REJECTED, iso(now),
                             int(now) + FINISHED_INTENT_TTL_SECONDS, reason_code=code, reason_message=message)
        self._objects.delete(key, version_id)
        log_info("photo rejected", case_id=intent.case_id, outcome="rejected", code=code)
        # By reason on the ops dashboard: a jump in one reason (blurry, too_dark) is an app or device
        # problem, not one patient's photo.
        put_metrics({"UploadRejected": 1}, dimensions={"reason": code})
        return f"rejected:{code}"

    def _already_decided(self, photo_id: str, key: str, version_id: str | None, token: str) -> str:
        """The intent is finished, or another object version holds it. A redelivered event of the
        accepted version re-announces (idempotent) in case the first run stopped before the timeline."""
        current = self._intents.get(photo_id)
        if (current is not None and current.claim == token and current.status is UploadStatus.ACCEPTED
                and self._photos.get(current.case_id, photo_id) is not None):  # not removed since
            self._announce(current)
        self._objects.delete(key, version_id)
        return "discarded:already_decided"

    def _announce(self, intent: UploadIntent) -> None:
        if intent.timeline_summary_sealed is None:
            # An upload handed out before summaries were sealed ahead: this function has no field key
            # to seal it, `seal-legacy` does (the event is retried until then).
            raise not_migrated("photo_uploads")
        # The summary is sealed already; the event's other fields are ids and the upload's time.
        self._timeline.append_sealed(photo_event(intent), intent.timeline_summary_sealed)
