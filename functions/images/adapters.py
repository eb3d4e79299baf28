"""Photo storage: upload intents and photos (pynamodb), image objects (S3 through boto3).

A photo's body site and capture time are sealed under the case's key as one value (context {table
"photos", recordId "<caseId>/<photoId>", field "facts"}), written on the intent when the upload is
handed out and copied onto the photo by the processor, unopened. The bySite index groups a case's
photos by the site's tag (`FieldTagger`: a keyed hash under the case's key), so its key
`<caseId>#<tag>` does not say the site. What stays readable is ids, times of the upload's handling,
sizes and quality figures. The photo id still begins with the capture time (its sort key; see
functions/images/service.py `new_photo_id`).

Items stored before hold `bodySite` and `capturedAt` in plaintext (and a photo's `caseSite` names the
site): `seal_legacy_photos_page` and `seal_legacy_intents_page` convert them, and a reader meeting one
raises NotMigrated instead of answering the plaintext.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from typing import Any, cast

from pynamodb.attributes import BinaryAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from functions.crypto.ports import TaggingSealer
from functions.images.ports import (
    KEYLESS,
    PHOTO_REMOVED_LABEL,
    ObjectInfo,
    Photo,
    PhotoFacts,
    UploadIntent,
    UploadStatus,
)
from functions.migrations.legacy import MigrationPage, convert_page, not_migrated
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
    lesionId = UnicodeAttribute(null=True)
    contentType = UnicodeAttribute()
    sizeBytes = NumberAttribute()
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
    factsSealed = BinaryAttribute(legacy_encoding=False, null=True)  # {bodySite, capturedAt}, for the photo
    siteTag = UnicodeAttribute(null=True)
    # Plaintext, only on intents stored before the facts were sealed: read by the migration alone.
    bodySite = UnicodeAttribute(null=True)
    capturedAt = UnicodeAttribute(null=True)
    byCase = IntentsByCaseIndex()


# The intent item keeps the names it was first stored under.
INTENT_ITEM = ItemMap(UploadIntent, UploadIntentModel, names={
    "uploaded_by": "uploaderId", "uploaded_at": "createdAt", "sealed_facts": "factsSealed"})
PHOTOS_TABLE = "photos"
INTENTS_TABLE = "photo_uploads"
FACTS = "facts"
SITE = "bodySite"
PLAINTEXT = ("bodySite", "capturedAt")  # what the facts were stored as before


def _record_id(case_id: str, photo_id: str) -> str:
    return f"{case_id}/{photo_id}"


def seal_facts(sealer: TaggingSealer, facts: PhotoFacts) -> tuple[bytes, str]:
    """The photo's sealed facts and its site's tag (REST: where the field key is allowed)."""
    sealed = sealer.seal(PHOTOS_TABLE, _record_id(facts.case_id, facts.photo_id),
                         {FACTS: {"bodySite": facts.body_site, "capturedAt": facts.captured_at}},
                         case_id=facts.case_id)[FACTS]
    return sealed, site_tag(sealer, facts.case_id, facts.body_site)


def site_tag(sealer: TaggingSealer, case_id: str, body_site: str) -> str:
    return sealer.tag(PHOTOS_TABLE, SITE, body_site, case_id=case_id)


class _FactsReader:
    """Reads an item's sealed facts: opened with the key, or left sealed (KEYLESS) without it."""

    def __init__(self, sealer: TaggingSealer | None, table: str) -> None:
        self._sealer = sealer
        self._table = table

    def facts(self, item: Any) -> dict[str, Any]:
        if item.factsSealed is None or item.siteTag is None:
            raise not_migrated(self._table)
        if self._sealer is None:
            return {"body_site": KEYLESS, "captured_at": KEYLESS}
        opened = cast(dict[str, Any], self._sealer.open(PHOTOS_TABLE, _record_id(item.caseId, item.photoId),
                                                        {FACTS: bytes(item.factsSealed)})[FACTS])
        return {"body_site": str(opened["bodySite"]), "captured_at": str(opened["capturedAt"])}

    def sealed(self, record: Any) -> dict[str, Any]:
        """The sealed attributes of a record about to be stored: as carried, or sealed here."""
        if record.sealed_facts is not None and record.site_tag is not None:
            return {"sealed_facts": record.sealed_facts, "site_tag": record.site_tag}
        if self._sealer is None:
            raise not_migrated(INTENTS_TABLE)  # an intent handed out before facts were sealed
        sealed, tag = seal_facts(self._sealer, record)
        return {"sealed_facts": sealed, "site_tag": tag}


def _without_plaintext(attributes: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in attributes.items() if name not in PLAINTEXT}


def _condition_failed(exc: BaseException) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


class DynamoIntentStore:
    """With `sealer` None (the photo processor's, which holds no field key) the protected facts are
    read as KEYLESS and carried sealed."""

    def __init__(self, sealer: TaggingSealer | None) -> None:
        self._facts = _FactsReader(sealer, INTENTS_TABLE)

    def _intent(self, item: UploadIntentModel) -> UploadIntent:
        return dataclasses.replace(INTENT_ITEM.from_item(item), **self._facts.facts(item))

    def create(self, intent: UploadIntent) -> None:
        intent = dataclasses.replace(intent, **self._facts.sealed(intent))
        item = UploadIntentModel(**_without_plaintext(INTENT_ITEM.attributes(intent)))
        with translate_errors(conflict_code="photo_exists", conflict_message="That photo id is taken."):
            item.save(condition=UploadIntentModel.photoId.does_not_exist())

    def get(self, photo_id: str) -> UploadIntent | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                return self._intent(UploadIntentModel.get(photo_id, consistent_read=True))
            except DoesNotExist:
                return None

    def for_case(self, case_id: str, limit: int, cursor: str | None) -> tuple[list[UploadIntent], str | None]:
        start = decode_cursor(cursor, partition=("caseId", case_id))
        with translate_errors():
            result = UploadIntentModel.byCase.query(
                case_id, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start
            )
            intents = [self._intent(item) for item in result]
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
        return self._intent(item)

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
    caseSite = UnicodeAttribute()  # "<caseId>#<siteTag>" ("<caseId>#<bodySite>" before the migration)
    caseLesion = UnicodeAttribute(null=True)  # "<caseId>#<lesionId>"; absent (sparse index) without a lesion
    lesionId = UnicodeAttribute(null=True)
    factsSealed = BinaryAttribute(legacy_encoding=False, null=True)  # {bodySite, capturedAt}
    siteTag = UnicodeAttribute(null=True)
    # Plaintext, only on photos stored before the facts were sealed: read by the migration alone.
    bodySite = UnicodeAttribute(null=True)
    capturedAt = UnicodeAttribute(null=True)
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
    """The index keys of a photo: its site's tag always, its lesion only when it has one (sparse index)."""
    return {"caseSite": f"{photo.case_id}#{photo.site_tag}",
            "caseLesion": f"{photo.case_id}#{photo.lesion_id}" if photo.lesion_id else None}


PHOTO_ITEM = ItemMap(Photo, PhotoModel, names={"sealed_facts": "factsSealed"}, derived=_photo_keys)


class DynamoPhotoStore:
    """With `sealer` None (the photo processor's) the protected facts are read as KEYLESS, and a photo
    is stored with the sealed facts its intent carried."""

    def __init__(self, sealer: TaggingSealer | None) -> None:
        self._sealer = sealer
        self._facts = _FactsReader(sealer, PHOTOS_TABLE)

    def _photo(self, item: PhotoModel) -> Photo:
        return dataclasses.replace(PHOTO_ITEM.from_item(item), **self._facts.facts(item))

    def put(self, photo: Photo) -> None:
        photo = dataclasses.replace(photo, **self._facts.sealed(photo))
        with translate_errors():
            PhotoModel(**_without_plaintext(PHOTO_ITEM.attributes(photo))).save()

    def stage_remove(self, case_id: str, photo_id: str) -> TransactItem:
        return delete_item(PHOTO_REMOVED_LABEL, PhotoModel(caseId=case_id, photoId=photo_id),
                           condition=PhotoModel.photoId.exists())

    def get(self, case_id: str, photo_id: str) -> Photo | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                return self._photo(PhotoModel.get(case_id, photo_id))
            except DoesNotExist:
                return None

    def for_case(self, case_id: str, limit: int, cursor: str | None, *, body_site: str | None = None,
                 lesion_id: str | None = None) -> tuple[list[Photo], str | None]:
        query: Any
        if lesion_id:
            hash_name, hash_value, query = "caseLesion", f"{case_id}#{lesion_id}", PhotoModel.byLesion.query
        elif body_site:
            if self._sealer is None:
                raise ValueError("listing by body site needs the field key")
            hash_name, hash_value = "caseSite", f"{case_id}#{site_tag(self._sealer, case_id, body_site)}"
            query = PhotoModel.bySite.query
        else:
            hash_name, hash_value, query = "caseId", case_id, PhotoModel.query
        # A cursor is the LastEvaluatedKey of the same query: it must name the same partition.
        start = decode_cursor(cursor, partition=(hash_name, hash_value))
        with translate_errors():
            result = query(hash_value, scan_index_forward=False, limit=limit, page_size=limit,
                           last_evaluated_key=start)
            photos = [self._photo(item) for item in result]
            if lesion_id and body_site:  # both given: the lesion decides, the site must agree
                photos = [photo for photo in photos if photo.body_site == body_site]
            return photos, encode_cursor(result.last_evaluated_key)


# --- migration ------------------------------------------------------------------------------------
def _seal_legacy(model: Any, sealer: TaggingSealer, cursor: str | None, page_size: int,
                 more: Any = None) -> MigrationPage:
    """Seal the plaintext facts of one Scan page of `model` (photos or intents) and remove them, one
    conditional write per item (functions/migrations/legacy.py); `more(item)`: further actions."""

    def plan(item: Any) -> tuple[list[Any], Any] | None:
        extra: list[Any] = more(item) if more else []
        if item.factsSealed is not None and item.siteTag is not None and not extra and all(
                getattr(item, name) is None for name in PLAINTEXT):
            return None
        actions: list[Any] = [getattr(model, name).remove() for name in PLAINTEXT if getattr(item, name) is not None]
        actions += extra
        condition = model.photoId.exists()
        if item.factsSealed is None:
            facts = PhotoFacts(case_id=item.caseId, photo_id=item.photoId, body_site=item.bodySite or "",
                               lesion_id=None, captured_at=item.capturedAt or "", source="", uploaded_at="",
                               uploaded_by="", uploader_role="")
            sealed, tag = seal_facts(sealer, facts)
            actions += [model.factsSealed.set(sealed), model.siteTag.set(tag)]
            if model is PhotoModel:
                actions.append(model.caseSite.set(f"{item.caseId}#{tag}"))
            condition &= model.factsSealed.does_not_exist()
        return actions, condition

    return convert_page(model, cursor, page_size, plan)


def seal_legacy_photos_page(sealer: TaggingSealer, cursor: str | None, page_size: int) -> MigrationPage:
    return _seal_legacy(PhotoModel, sealer, cursor, page_size)


def seal_legacy_intents_page(sealer: TaggingSealer, cursor: str | None, page_size: int) -> MigrationPage:
    """Also seals the timeline summary of an intent handed out before summaries were sealed ahead, so
    the processor (no field key) can announce its photo."""
    from functions.images.projection import photo_event
    from functions.timeline.adapters import seal_summary

    def summary(item: UploadIntentModel) -> list[Any]:
        if item.timelineSummarySealed is not None or item.bodySite is None:
            return []
        intent = dataclasses.replace(INTENT_ITEM.from_item(item), body_site=item.bodySite,
                                     captured_at=item.capturedAt or "")
        return [UploadIntentModel.timelineSummarySealed.set(seal_summary(photo_event(intent), sealer))]

    return _seal_legacy(UploadIntentModel, sealer, cursor, page_size, summary)


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
