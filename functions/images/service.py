"""Lesion photos over REST: handing out uploads, reading photos, removing them.

`ImageService` serves the REST routes (every method starts with the case access check, so a caller
without a right to the case gets the same 404 as for a case that does not exist). What lands in the
bucket is judged by the photo processor (`functions/images/processor.py`), another function's code.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from functions.access.ports import GrantKind
from functions.access.service import AccessPolicy
from functions.audit.chain import AuditEvent, Outcome
from functions.audit.ports import StagedWriteRejected
from functions.cases.ports import OpenCases
from functions.images.ports import (
    RENDITIONS,
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
from functions.lesions.ports import LesionStore
from functions.lesions.service import lesion_not_found
from functions.shared.auth import Principal
from functions.shared.clock import Clock, iso
from functions.shared.errors import DomainError, Forbidden, NotFound, ValidationError
from functions.shared.observability import log_info, log_warning
from functions.shared.request_context import request_source
from functions.timeline.ports import PresealingTimeline

if TYPE_CHECKING:
    from functions.audit.service import AuditTrail

UPLOAD_URL_TTL_SECONDS = 300  # the presigned POST: enough for 20 MB on a slow mobile link
VIEW_URL_TTL_SECONDS = 300  # presigned GETs: short, re-fetched with the photo
PENDING_INTENT_TTL_SECONDS = 24 * 3600  # never-used intents disappear after a day
MAX_CAPTURE_AGE_DAYS = 366 * 10
CLOCK_SKEW_SECONDS = 300


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


class ImageService:
    def __init__(self, intents: IntentStore, photos: PhotoStore, objects: ObjectStore, access: AccessPolicy,
                 lesions: LesionStore, audit: AuditTrail, timeline: PresealingTimeline,
                 clock: Clock = time.time, *, open_cases: OpenCases | None = None) -> None:
        self._open_cases = open_cases
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
        if self._open_cases is not None:
            self._open_cases.require_open(case_id)
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
        # Sealed here, where the field key is allowed: the processor that accepts the photo has none.
        intent = replace(intent, timeline_summary_sealed=self._timeline.seal_summary(photo_event(intent)))
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
