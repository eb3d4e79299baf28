"""Lesion photos: handing out uploads, reading photos, and judging what lands in the bucket.

`PhotoService` serves the REST routes (every method starts with the case access check, so a caller
without a right to the case gets the same 404 as for a case that does not exist). `PhotoProcessor`
runs in the S3 -> EventBridge handler: it trusts nothing about the object (moto enforces no POST
policy, and in AWS a policy cannot say what the bytes are) and records a verdict on the intent.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from functions.access.ports import GrantKind
from functions.access.service import AccessPolicy
from functions.audit.chain import AuditEvent, Outcome
from functions.audit.ports import StagedWriteRejected
from functions.images.ports import (
    RENDITIONS,
    UPLOAD_KEY,
    IntentStore,
    ObjectStore,
    Photo,
    PhotoStore,
    RemovalReason,
    UploadIntent,
    UploadStatus,
    photo_prefix,
    rendition_key,
    upload_key,
)
from functions.images.projection import photo_event
from functions.images.rules import MAX_UPLOAD_BYTES
from functions.lesions.ports import LesionStore
from functions.lesions.service import lesion_not_found
from functions.shared.auth import Principal
from functions.shared.clock import Clock, iso
from functions.shared.errors import DomainError, Forbidden, NotFound, ValidationError
from functions.shared.observability import log_info, log_warning
from functions.shared.request_context import request_source
from functions.timeline.ports import TimelineWriter

if TYPE_CHECKING:
    from functions.audit.service import AuditTrail
    from functions.images.processing import ProcessedImage

UPLOAD_URL_TTL_SECONDS = 300  # the presigned POST: enough for 20 MB on a slow mobile link
VIEW_URL_TTL_SECONDS = 300  # presigned GETs: short, re-fetched with the photo
# An object that lands after the POST expired was not allowed by the policy (S3 refuses it in AWS);
# a little grace covers clock skew between S3 and the API.
UPLOAD_GRACE_SECONDS = 60
PENDING_INTENT_TTL_SECONDS = 24 * 3600  # never-used intents disappear after a day
FINISHED_INTENT_TTL_SECONDS = 30 * 24 * 3600  # the verdict stays readable for a month
MAX_CAPTURE_AGE_DAYS = 366 * 10
CLOCK_SKEW_SECONDS = 300

ProcessFunction = Callable[[bytes, str], "ProcessedImage"]


def new_photo_id(captured_epoch: float) -> str:
    """`ph` + capture time in ms (12 hex digits) + 64 random bits: ids sort by capture time, so the
    photos table (sk photoId) and its indexes list newest capture first without another key."""
    return f"ph{int(captured_epoch * 1000):012x}{secrets.token_hex(8)}"


def photo_not_found() -> NotFound:
    return NotFound("No such photo on this case.", code="photo_not_found")


def parse_captured_at(value: str | None, now: float) -> float:
    if value is None:
        return now
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError("capturedAt is not an ISO-8601 date-time.", code="validation_error") from None
    if parsed.tzinfo is None:
        raise ValidationError("capturedAt needs a time zone (e.g. Z or +01:00).", code="validation_error")
    epoch = parsed.timestamp()
    if epoch > now + CLOCK_SKEW_SECONDS:
        raise ValidationError("capturedAt is in the future.", code="captured_in_future")
    if epoch < now - MAX_CAPTURE_AGE_DAYS * 86400:
        raise ValidationError("capturedAt is more than ten years ago.", code="captured_too_old")
    return epoch


class PhotoService:
    def __init__(self, intents: IntentStore, photos: PhotoStore, objects: ObjectStore, access: AccessPolicy,
                 lesions: LesionStore, audit: AuditTrail, timeline: TimelineWriter,
                 clock: Clock = time.time) -> None:
        self._intents = intents
        self._photos = photos
        self._objects = objects
        self._access = access
        self._lesions = lesions
        self._audit = audit
        self._timeline = timeline
        self._clock = clock

    # --- uploads ---------------------------------------------------------------------------------
    def create_upload(self, principal: Principal, case_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """An intent plus the presigned POST that may fill it (one object, this type, at most this size)."""
        grant = self._access.require_case(principal, case_id, action="photo.upload")
        body_site = str(body["bodySite"])
        lesion_id = body.get("lesionId")
        if lesion_id is not None:
            lesion = self._lesions.get(case_id, lesion_id)
            if lesion is None:
                raise lesion_not_found()
            if lesion.body_site != body_site:
                raise ValidationError("The lesion is on another body site.", code="lesion_site_mismatch")
        now = self._clock()
        captured = parse_captured_at(body.get("capturedAt"), now)
        photo_id = new_photo_id(captured)
        intent = UploadIntent(
            photo_id=photo_id,
            case_id=case_id,
            uploaded_by=principal.user_id,
            uploader_role="patient" if grant.kind is GrantKind.OWNER else "doctor",
            body_site=body_site,
            lesion_id=lesion_id,
            content_type=str(body["contentType"]),
            size_bytes=int(body["sizeBytes"]),
            captured_at=iso(captured),
            source=str(body["source"]),
            uploaded_at=iso(now),
            upload_by=iso(now + UPLOAD_URL_TTL_SECONDS),
            status=UploadStatus.PENDING,
            expires_at_epoch=int(now) + PENDING_INTENT_TTL_SECONDS,
        )
        self._intents.create(intent)
        post = self._objects.presign_post(
            upload_key(case_id, photo_id), intent.content_type, intent.size_bytes, UPLOAD_URL_TTL_SECONDS
        )
        return {
            **intent_view(intent),
            "upload": {
                "method": "POST",
                "url": post["url"],
                "fields": post["fields"],
                "fileField": "file",  # must be the last form field (S3 ignores fields after the file)
                "expiresAt": intent.upload_by,
            },
        }

    def upload_status(self, principal: Principal, case_id: str, photo_id: str) -> dict[str, Any]:
        self._access.require_case(principal, case_id, action="photo.upload_status")
        intent = self._intents.get(photo_id)
        if intent is None or intent.case_id != case_id:
            raise NotFound("No such upload on this case (uploads are forgotten after 30 days).",
                           code="upload_not_found")
        view = intent_view(intent)
        if intent.status is UploadStatus.ACCEPTED:
            photo = self._photos.get(case_id, photo_id)
            if photo is not None:
                view["photo"] = self.photo_view(photo, detail=True)
        return view

    def list_uploads(self, principal: Principal, case_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
        self._access.require_case(principal, case_id, action="photo.list_uploads")
        intents, next_cursor = self._intents.for_case(case_id, limit, cursor)
        return {"items": [intent_view(intent) for intent in intents], "nextCursor": next_cursor}

    # --- photos ----------------------------------------------------------------------------------
    def list_photos(self, principal: Principal, case_id: str, limit: int, cursor: str | None,
                    body_site: str | None = None, lesion_id: str | None = None) -> dict[str, Any]:
        self._access.require_case(principal, case_id, action="photo.list")
        if lesion_id is not None and self._lesions.get(case_id, lesion_id) is None:
            raise lesion_not_found()
        photos, next_cursor = self._photos.for_case(case_id, limit, cursor, body_site=body_site, lesion_id=lesion_id)
        return {"items": [self.photo_view(photo) for photo in photos], "nextCursor": next_cursor}

    def get_photo(self, principal: Principal, case_id: str, photo_id: str) -> dict[str, Any]:
        self._access.require_case(principal, case_id, action="photo.read")
        photo = self._photos.get(case_id, photo_id)
        if photo is None:
            raise photo_not_found()
        return self.photo_view(photo, detail=True)

    def latest_for_lesion(self, principal: Principal, case_id: str, lesion_id: str) -> dict[str, Any]:
        """The newest photo of a lesion: the ghost overlay for framing the next one."""
        self._access.require_case(principal, case_id, action="photo.read")
        if self._lesions.get(case_id, lesion_id) is None:
            raise lesion_not_found()
        photos, _ = self._photos.for_case(case_id, 1, None, lesion_id=lesion_id)
        if not photos:
            raise NotFound("This lesion has no photo yet.", code="no_photo_yet")
        return self.photo_view(photos[0], detail=True)

    def remove_photo(self, principal: Principal, case_id: str, photo_id: str, reason: RemovalReason) -> dict[str, Any]:
        """Remove a photo for good: every stored version of its renditions, then its item together with
        the audit entry saying who removed it and why; its timeline event then shows the removal.

        Whoever took the photo may remove it, and so may the case's assigned doctors.
        """
        grant = self._access.require_case(principal, case_id, action="photo.remove")
        photo = self._photos.get(case_id, photo_id)
        if photo is None:
            raise photo_not_found()
        if grant.kind is not GrantKind.ASSIGNED and photo.uploaded_by != principal.user_id:
            raise Forbidden("Only whoever took this photo, or the case's assigned doctors, may remove it.",
                            code="photo_not_yours")
        # Image data first: if anything fails after this, the photo is still listed and the same
        # request can simply be repeated. The other order could leave image data nobody can find.
        self._objects.purge(photo_prefix(case_id, photo_id))
        source = request_source()
        try:
            self._audit.record(AuditEvent(
                actor_id=principal.user_id, role=principal.role.value, action="photo.remove", resource_type="photo",
                resource_id=photo_id, outcome=Outcome.SUCCESS, patient_id=self._access.owner_of(case_id) or "",
                case_id=case_id, request_id=source.request_id, source_ip=source.source_ip,
            ), staged=[self._photos.stage_remove(case_id, photo_id)])
        except StagedWriteRejected:
            raise photo_not_found() from None  # someone else removed it a moment ago
        removed_at = iso(self._clock())
        try:
            self._timeline.append(photo_event(photo, removal={"removedAt": removed_at, "reason": reason.value}))
        except DomainError as error:
            # The removal and its audit entry are committed; the timeline is a projection of them.
            log_warning("timeline update failed", case_id=case_id, code=error.code)
        log_info("photo removed", case_id=case_id, reason=reason.value)
        return {"photoId": photo_id, "status": "removed", "reason": reason.value, "removedAt": removed_at}

    def photo_view(self, photo: Photo, *, detail: bool = False) -> dict[str, Any]:
        names = RENDITIONS if detail else ("display", "thumb")
        expires = self._clock() + VIEW_URL_TTL_SECONDS
        view: dict[str, Any] = {
            "photoId": photo.photo_id,
            "caseId": photo.case_id,
            "bodySite": photo.body_site,
            "lesionId": photo.lesion_id,
            "capturedAt": photo.captured_at,
            "uploadedAt": photo.uploaded_at,
            "source": photo.source,
            "uploadedBy": photo.uploaded_by,
            "uploaderRole": photo.uploader_role,
            "width": photo.width,
            "height": photo.height,
            "urls": {name: self._objects.presign_get(rendition_key(photo.case_id, photo.photo_id, name),
                                                     VIEW_URL_TTL_SECONDS) for name in names},
            "urlsExpireAt": iso(expires),
        }
        if detail:
            view.update({"processedAt": photo.processed_at, "sizeBytes": photo.size_bytes, "sha256": photo.sha256,
                         "quality": photo.quality})
        return view


def intent_view(intent: UploadIntent) -> dict[str, Any]:
    view: dict[str, Any] = {
        "photoId": intent.photo_id,
        "caseId": intent.case_id,
        "status": intent.status.value,
        "bodySite": intent.body_site,
        "lesionId": intent.lesion_id,
        "contentType": intent.content_type,
        "sizeBytes": intent.size_bytes,
        "capturedAt": intent.captured_at,
        "source": intent.source,
        "createdAt": intent.uploaded_at,
        "uploadedBy": intent.uploaded_by,
    }
    if intent.status is UploadStatus.REJECTED:
        view["rejection"] = {"code": intent.reason_code, "message": intent.reason_message}
    return view


# --- the processor ---------------------------------------------------------------------------------
class PhotoProcessor:
    """Judges one landed object. Safe to run twice for the same event (EventBridge delivers at least
    once) and for two objects under the same key (a POST policy allows several uploads until it
    expires): the first object version to claim the intent wins, any other is deleted."""

    def __init__(self, intents: IntentStore, photos: PhotoStore, objects: ObjectStore, bucket: str,
                 timeline: TimelineWriter, process: ProcessFunction | None = None,
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
        except _Rejected as rejected:
            return self._reject(claimed, key, version_id, token, rejected.code, rejected.message)
        return self._accept(claimed, key, version_id, token, processed)

    def _validate(self, intent: UploadIntent, key: str, version_id: str | None) -> ProcessedImage:
        from functions.images.processing import FORMATS, ImageRejected, process_image

        info = self._objects.head(key, version_id)
        if info is None:
            raise _Rejected("upload_missing", "The upload could not be found. Send the photo again.")
        deadline = datetime.fromisoformat(intent.upload_by).timestamp() + UPLOAD_GRACE_SECONDS
        if info.last_modified_epoch > deadline:
            raise _Rejected("upload_expired", "The upload link had expired. Send the photo again.")
        if info.content_type != intent.content_type:
            raise _Rejected("content_type_mismatch",
                            f"The upload was sent as {info.content_type or 'no type'}, not {intent.content_type}.")
        limit = min(intent.size_bytes, MAX_UPLOAD_BYTES)
        if info.size > limit:
            raise _Rejected("too_large", f"The file is larger than announced ({info.size} > {limit} bytes).")
        if intent.content_type not in FORMATS:
            raise _Rejected("unsupported_format", "Only JPEG and PNG photos are accepted.")
        data = self._objects.read(key, version_id, limit)
        if len(data) > limit:  # the object changed size between HEAD and GET
            raise _Rejected("too_large", f"The file is larger than announced (> {limit} bytes).")
        try:
            return (self._process or process_image)(data, intent.content_type)
        except ImageRejected as rejected:
            raise _Rejected(rejected.code, rejected.message) from None

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
        self._timeline.append(photo_event(intent))


class _Rejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
