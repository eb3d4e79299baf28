"""Photo storage: upload intents and photos (pynamodb), image objects (S3 through boto3)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from pynamodb.attributes import BinaryAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from functions.images.ports import PHOTO_REMOVED_LABEL, ObjectInfo, Photo, UploadIntent, UploadStatus
from functions.shared.aws import error_code
from functions.shared.dynamo import ItemMap, decode_cursor, encode_cursor, translate_errors
from functions.shared.errors import DependencyUnavailable
from functions.shared.transact import TransactItem, delete_item


# --- upload intents ------------------------------------------------------------------------------
class IntentsByCaseIndex(GlobalSecondaryIndex["UploadIntentModel"]):
    class Meta:
        index_name = "byCase"
        projection = AllProjection()

    caseId = UnicodeAttribute(hash_key=True)
    createdAt = UnicodeAttribute(range_key=True)


class UploadIntentModel(Model):
    class Meta:
        table_name = "unbound"

    photoId = UnicodeAttribute(hash_key=True)
    caseId = UnicodeAttribute()
    uploaderId = UnicodeAttribute()
    uploaderRole = UnicodeAttribute()
    bodySite = UnicodeAttribute()
    lesionId = UnicodeAttribute(null=True)
    contentType = UnicodeAttribute()
    sizeBytes = NumberAttribute()
    capturedAt = UnicodeAttribute()
    source = UnicodeAttribute()
    createdAt = UnicodeAttribute()
    uploadBy = UnicodeAttribute()
    status = UnicodeAttribute()
    expiresAtEpoch = NumberAttribute()
    claim = UnicodeAttribute(null=True)
    reasonCode = UnicodeAttribute(null=True)
    reasonMessage = UnicodeAttribute(null=True)
    updatedAt = UnicodeAttribute(null=True)
    timelineSummarySealed = BinaryAttribute(legacy_encoding=False, null=True)
    byCase = IntentsByCaseIndex()


# The intent item keeps the names it was first stored under.
INTENT_ITEM = ItemMap(UploadIntent, UploadIntentModel, names={"uploaded_by": "uploaderId", "uploaded_at": "createdAt"})


def _condition_failed(exc: BaseException) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


class DynamoIntentStore:
    def create(self, intent: UploadIntent) -> None:
        with translate_errors(conflict_code="photo_exists", conflict_message="That photo id is taken."):
            INTENT_ITEM.to_item(intent).save(condition=UploadIntentModel.photoId.does_not_exist())

    def get(self, photo_id: str) -> UploadIntent | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                return INTENT_ITEM.from_item(UploadIntentModel.get(photo_id, consistent_read=True))
            except DoesNotExist:
                return None

    def for_case(self, case_id: str, limit: int, cursor: str | None) -> tuple[list[UploadIntent], str | None]:
        start = decode_cursor(cursor, partition=("caseId", case_id))
        with translate_errors():
            result = UploadIntentModel.byCase.query(
                case_id, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start
            )
            intents = [INTENT_ITEM.from_item(item) for item in result]
            return intents, encode_cursor(result.last_evaluated_key)

    def claim(self, photo_id: str, token: str, now: str) -> UploadIntent | None:
        from pynamodb.exceptions import UpdateError

        model = UploadIntentModel
        condition = model.photoId.exists() & (
            (model.status == UploadStatus.PENDING.value)
            | ((model.status == UploadStatus.PROCESSING.value) & (model.claim == token))
        )
        item = UploadIntentModel(photoId=photo_id)
        with translate_errors():
            try:
                item.update(
                    actions=[
                        model.status.set(UploadStatus.PROCESSING.value),
                        model.claim.set(token),
                        model.updatedAt.set(now),
                    ],
                    condition=condition,
                )
            except UpdateError as exc:
                if _condition_failed(exc):
                    return None
                raise
        return INTENT_ITEM.from_item(item)

    def finish(self, photo_id: str, token: str, status: UploadStatus, now: str, expires_at_epoch: int,
               reason_code: str | None = None, reason_message: str | None = None) -> bool:
        from pynamodb.exceptions import UpdateError

        model = UploadIntentModel
        actions: list[Any] = [
            model.status.set(status.value),
            model.updatedAt.set(now),
            model.expiresAtEpoch.set(expires_at_epoch),
        ]
        if reason_code:
            actions += [model.reasonCode.set(reason_code), model.reasonMessage.set(reason_message or "")]
        condition = (model.status == UploadStatus.PROCESSING.value) & (model.claim == token)
        with translate_errors():
            try:
                UploadIntentModel(photoId=photo_id).update(actions=actions, condition=condition)
            except UpdateError as exc:
                if _condition_failed(exc):
                    return False
                raise
        return True


# --- photos --------------------------------------------------------------------------------------
class PhotosByLesionIndex(GlobalSecondaryIndex["PhotoModel"]):
    class Meta:
        index_name = "byLesion"
        projection = AllProjection()

    caseLesion = UnicodeAttribute(hash_key=True)
    photoId = UnicodeAttribute(range_key=True)


class PhotosBySiteIndex(GlobalSecondaryIndex["PhotoModel"]):
    class Meta:
        index_name = "bySite"
        projection = AllProjection()

    caseSite = UnicodeAttribute(hash_key=True)
    photoId = UnicodeAttribute(range_key=True)


class PhotoModel(Model):
    class Meta:
        table_name = "unbound"

    caseId = UnicodeAttribute(hash_key=True)
    photoId = UnicodeAttribute(range_key=True)  # starts with the capture time: sorts by it
    caseSite = UnicodeAttribute()  # "<caseId>#<bodySite>"
    caseLesion = UnicodeAttribute(null=True)  # "<caseId>#<lesionId>"; absent (sparse index) without a lesion
    bodySite = UnicodeAttribute()
    lesionId = UnicodeAttribute(null=True)
    capturedAt = UnicodeAttribute()
    uploadedAt = UnicodeAttribute()
    processedAt = UnicodeAttribute()
    uploadedBy = UnicodeAttribute()
    uploaderRole = UnicodeAttribute()
    source = UnicodeAttribute()
    width = NumberAttribute()
    height = NumberAttribute()
    sizeBytes = NumberAttribute()
    sha256 = UnicodeAttribute()
    quality = MapAttribute(default=dict)  # type: ignore[var-annotated]
    byLesion = PhotosByLesionIndex()
    bySite = PhotosBySiteIndex()


def _photo_keys(photo: Photo) -> dict[str, Any]:
    """The index keys of a photo: its site always, its lesion only when it has one (sparse index)."""
    return {"caseSite": f"{photo.case_id}#{photo.body_site}",
            "caseLesion": f"{photo.case_id}#{photo.lesion_id}" if photo.lesion_id else None}


PHOTO_ITEM = ItemMap(Photo, PhotoModel, derived=_photo_keys)


class DynamoPhotoStore:
    def put(self, photo: Photo) -> None:
        with translate_errors():
            PHOTO_ITEM.to_item(photo).save()

    def stage_remove(self, case_id: str, photo_id: str) -> TransactItem:
        return delete_item(PHOTO_REMOVED_LABEL, PhotoModel(caseId=case_id, photoId=photo_id),
                           condition=PhotoModel.photoId.exists())

    def get(self, case_id: str, photo_id: str) -> Photo | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                return PHOTO_ITEM.from_item(PhotoModel.get(case_id, photo_id))
            except DoesNotExist:
                return None

    def for_case(self, case_id: str, limit: int, cursor: str | None, *, body_site: str | None = None,
                 lesion_id: str | None = None) -> tuple[list[Photo], str | None]:
        query: Any
        if lesion_id:
            hash_name, hash_value, query = "caseLesion", f"{case_id}#{lesion_id}", PhotoModel.byLesion.query
        elif body_site:
            hash_name, hash_value, query = "caseSite", f"{case_id}#{body_site}", PhotoModel.bySite.query
        else:
            hash_name, hash_value, query = "caseId", case_id, PhotoModel.query
        # A cursor is the LastEvaluatedKey of the same query: it must name the same partition.
        start = decode_cursor(cursor, partition=(hash_name, hash_value))
        with translate_errors():
            result = query(hash_value, scan_index_forward=False, limit=limit, page_size=limit,
                           last_evaluated_key=start)
            photos = [PHOTO_ITEM.from_item(item) for item in result]
            if lesion_id and body_site:  # both given: the lesion decides, the site must agree
                photos = [photo for photo in photos if photo.body_site == body_site]
            return photos, encode_cursor(result.last_evaluated_key)


# --- S3 ------------------------------------------------------------------------------------------
class S3ObjectStore:
    """The image bucket. `client` is a boto3 S3 client signing with SigV4 (presigned POST and GET).

    `presigner` signs the URLs browsers use; it differs from `client` only where browsers reach S3
    at another address than the functions do (the local stack serves S3 on its own origin).
    """

    def __init__(self, client: Any, bucket: str, presigner: Any | None = None) -> None:
        self._s3 = client
        self._presigner = presigner or client
        self.bucket = bucket

    def presign_post(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict[str, Any]:
        # In AWS, S3 enforces these conditions; moto does not, so the processor checks them all again.
        post: dict[str, Any] = self._presigner.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, max_bytes],
            ],
            ExpiresIn=expires_in,
        )
        return post

    def presign_get(self, key: str, expires_in: int) -> str:
        url: str = self._presigner.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseCacheControl": f"private, max-age={expires_in}",
                "ResponseContentType": "image/jpeg",
            },
            ExpiresIn=expires_in,
        )
        return url

    def head(self, key: str, version_id: str | None) -> ObjectInfo | None:
        try:
            answer = self._s3.head_object(Bucket=self.bucket, Key=key, **_version(version_id))
        except Exception as exc:
            if error_code(exc) in ("404", "NoSuchKey", "NotFound", "NoSuchVersion"):
                return None
            raise
        return ObjectInfo(
            size=int(answer.get("ContentLength", 0)),
            content_type=str(answer.get("ContentType", "")),
            last_modified_epoch=answer["LastModified"].timestamp(),
        )

    def read(self, key: str, version_id: str | None, max_bytes: int) -> bytes:
        answer = self._s3.get_object(Bucket=self.bucket, Key=key, **_version(version_id))
        body = answer["Body"]
        try:
            data: bytes = body.read(max_bytes + 1)
        finally:
            body.close()
        return data

    def put(self, key: str, data: bytes, content_type: str) -> None:
        # S3 verifies the SHA-256 on receipt, so a corrupted transfer fails instead of being stored.
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        self._s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            ChecksumSHA256=digest,
            CacheControl="private, max-age=31536000, immutable",
        )

    def delete(self, key: str, version_id: str | None) -> None:
        self._s3.delete_object(Bucket=self.bucket, Key=key, **_version(version_id))

    def purge(self, prefix: str) -> int:
        from botocore.exceptions import BotoCoreError, ClientError

        removed = 0
        try:
            # One page holds at most 1,000 versions, exactly what one DeleteObjects accepts.
            for page in self._s3.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=prefix):
                doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                          for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]]
                if not doomed:
                    continue
                answer = self._s3.delete_objects(Bucket=self.bucket, Delete={"Objects": doomed, "Quiet": True})
                if answer.get("Errors"):
                    raise DependencyUnavailable("The photo store did not delete everything; try again.")
                removed += len(doomed)
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailable("The photo store is unavailable; try again.") from exc
        return removed


def _version(version_id: str | None) -> dict[str, str]:
    # "null" is the version id S3 reports for objects written while versioning was off.
    return {"VersionId": version_id} if version_id and version_id != "null" else {}
