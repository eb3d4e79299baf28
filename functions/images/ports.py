"""Lesion photos: upload intents (one per presigned POST), accepted photos, and the object store.

An upload goes through three owners: the client (presigned POST straight to S3), S3 -> EventBridge,
and the processor. The intent item is the contract between them: it says what may land under
`uploads/<caseId>/<photoId>`, and records what became of it so the patient can be told why a
photo was refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Protocol

from functions.shared.transact import TransactItem


class UploadStatus(StrEnum):
    PENDING = "pending"  # presigned POST handed out, nothing processed yet
    PROCESSING = "processing"  # an object landed and a processor claimed it
    ACCEPTED = "accepted"  # a Photo exists
    REJECTED = "rejected"  # the object broke a rule and was deleted; reason_code says which


class PhotoSource(StrEnum):
    CAMERA = "camera"
    GALLERY = "gallery"
    VISIT = "visit"  # captured during a video visit


RENDITIONS: tuple[str, ...] = ("full", "display", "thumb")
PHOTO_REMOVED_LABEL = "photos.remove"
# Raw uploads (EXIF, GPS and all) live under their own top-level prefix, so one S3 lifecycle rule
# (a filter is a key prefix, never a pattern) expires whatever the processor never got to.
UPLOADS_PREFIX = "uploads/"
UPLOAD_KEY = re.compile(r"uploads/([A-Za-z0-9_-]{8,64})/([A-Za-z0-9_-]{8,64})")


def upload_key(case_id: str, photo_id: str) -> str:
    return f"{UPLOADS_PREFIX}{case_id}/{photo_id}"


def rendition_key(case_id: str, photo_id: str, name: str) -> str:
    return f"cases/{case_id}/photos/{photo_id}/{name}.jpg"


# Body site and capture time are health data (a photo of the `genital_area` taken at 03:12): at rest
# they are sealed under the case's key, once, by the REST function when it hands out the upload
# (functions/images/adapters.py), for the photo's item; the intent carries that value and the photo
# processor, which holds no field key, copies it onto the photo unopened. A store without the key
# (the processor's) reads these two facts as KEYLESS.
KEYLESS = ""


@dataclass(frozen=True)
class PhotoFacts:
    """What a photo is, fixed when its upload is handed out. The upload intent, the photo and the
    photo's timeline event (also once the photo is removed) all carry these same facts."""

    case_id: str
    photo_id: str
    body_site: str
    lesion_id: str | None
    captured_at: str
    source: str
    uploaded_at: str  # when the upload was handed out: the photo's fixed place on the timeline
    uploaded_by: str
    uploader_role: str

    def facts(self) -> PhotoFacts:
        """Only the facts (of an intent or a photo)."""
        return PhotoFacts(**{name: getattr(self, name) for name in PHOTO_FACT_FIELDS})


@dataclass(frozen=True)
class UploadIntent(PhotoFacts):
    content_type: str
    size_bytes: int  # the declared size: the upper bound of the POST policy's content-length-range
    upload_by: str  # when the presigned POST expires (ISO-8601)
    status: UploadStatus
    expires_at_epoch: int  # TTL of the intent item itself
    claim: str | None = None  # the S3 object version a processor is working on
    reason_code: str | None = None
    reason_message: str | None = None
    updated_at: str | None = None
    # The accepted photo's timeline summary, sealed when the upload is handed out (where the field
    # key is allowed): the processor, which holds no field key, writes it as it is.
    timeline_summary_sealed: bytes | None = None
    # The photo's body site and capture time, sealed for the photo item, and its site's tag (see
    # SealedFacts): the processor copies both onto the photo as they are.
    sealed_facts: bytes | None = None
    site_tag: str | None = None


@dataclass(frozen=True)
class Photo(PhotoFacts):
    processed_at: str
    width: int
    height: int
    size_bytes: int  # of the full rendition
    sha256: str  # of the full rendition, hex
    quality: dict[str, float] = field(default_factory=dict)
    sealed_facts: bytes | None = None  # as on its intent
    site_tag: str | None = None

    @classmethod
    def of(cls, facts: PhotoFacts, **processing: Any) -> Photo:
        """The photo an accepted upload becomes: its facts plus what processing found (and, from an
        intent, its sealed facts as they are)."""
        sealed: dict[str, Any] = {"sealed_facts": getattr(facts, "sealed_facts", None),
                                  "site_tag": getattr(facts, "site_tag", None)}
        return cls(**{name: getattr(facts, name) for name in PHOTO_FACT_FIELDS}, **sealed, **processing)


PHOTO_FACT_FIELDS: tuple[str, ...] = tuple(item.name for item in fields(PhotoFacts))


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    content_type: str
    last_modified_epoch: float


class IntentStore(Protocol):
    def create(self, intent: UploadIntent) -> None: ...

    def get(self, photo_id: str) -> UploadIntent | None: ...

    def for_case(self, case_id: str, limit: int, cursor: str | None) -> tuple[list[UploadIntent], str | None]:
        """Newest first."""
        ...

    def claim(self, photo_id: str, token: str, now: str) -> UploadIntent | None:
        """pending -> processing for `token`, or re-claim by the same token (a retried event).
        None when the intent is finished or another object version holds it."""
        ...

    def finish(self, photo_id: str, token: str, status: UploadStatus, now: str, expires_at_epoch: int,
               reason_code: str | None = None, reason_message: str | None = None) -> bool:
        """processing -> accepted/rejected, only by the claim holder. False if it no longer holds it."""
        ...


class RemovalReason(StrEnum):
    WRONG_PHOTO = "wrong_photo"  # not this case, not this person, or nothing a doctor should see
    POOR_QUALITY = "poor_quality"  # blurred, dark or badly framed: useless for comparison
    DUPLICATE = "duplicate"
    OTHER = "other"


def photo_prefix(case_id: str, photo_id: str) -> str:
    """Every stored rendition of one photo lives under this prefix."""
    return f"cases/{case_id}/photos/{photo_id}/"


class PhotoStore(Protocol):
    def put(self, photo: Photo) -> None:
        """Idempotent (a retried event writes the same photo again)."""
        ...

    def stage_remove(self, case_id: str, photo_id: str) -> TransactItem:
        """Deleting the photo item, for a transaction with its audit entry; fails if it is gone."""
        ...

    def get(self, case_id: str, photo_id: str) -> Photo | None: ...

    def for_case(self, case_id: str, limit: int, cursor: str | None, *, body_site: str | None = None,
                 lesion_id: str | None = None) -> tuple[list[Photo], str | None]:
        """Newest capture first; one Query (on an index when filtered by site or lesion)."""
        ...


class ObjectStore(Protocol):
    def presign_post(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict[str, Any]: ...

    def presign_get(self, key: str, expires_in: int) -> str: ...

    def head(self, key: str, version_id: str | None) -> ObjectInfo | None: ...

    def read(self, key: str, version_id: str | None, max_bytes: int) -> bytes:
        """At most max_bytes + 1 bytes (one more tells the caller the object is too large)."""
        ...

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def delete(self, key: str, version_id: str | None) -> None:
        """Delete that version for good (a versioned bucket would otherwise keep the data)."""
        ...

    def purge(self, prefix: str) -> int:
        """Delete every version of every object under `prefix` for good; returns how many went."""
        ...
