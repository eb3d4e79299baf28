"""Adapters of the analytics capability: the timeline's change index, the case and record reads
behind a change, the user directory's demographics, the lake in S3 and the reference table."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from functions.analytics.ports import Change as ChangeRecord
from functions.analytics.ports import ChangePage, PersonFacts, RecordFacts, ReferenceCell
from functions.crypto.ports import FieldSealer
from functions.shared.dynamo import translate_errors
from functions.shared.errors import DependencyUnavailable

PAGE = 2000  # items per Query page (DynamoDB also stops a page at 1 MB)


class DynamoChangeFeed:
    """Changes from the timeline's byChangeDay index: one Query per day, paged, nothing scanned; each
    change's summary opened (the timeline seals it)."""

    def __init__(self, sealer: FieldSealer) -> None:
        self._sealer = sealer

    def changes(self, day: str, after: str | None, until: str) -> ChangePage:
        from functions.timeline.adapters import TimelineModel, open_summary

        # Keys after `after` (exclusive): the smallest string above it is itself plus "\\x00".
        low = (after + "\x00") if after else day
        condition = TimelineModel.changeKey.between(low, until)
        changes: list[ChangeRecord] = []
        with translate_errors():
            result = TimelineModel.byChangeDay.query(day, condition, page_size=PAGE)
            for item in result:
                changes.append(ChangeRecord(
                    case_id=item.caseId, change_key=str(item.changeKey), type=item.type,
                    occurred_at=item.occurredAt, ref_id=item.refId, summary=open_summary(item, self._sealer),
                ))
        return ChangePage(changes, len(changes))


class DynamoSources:
    """A case's patient (its key attributes only: nothing decrypted) and a record entry, opened."""

    def __init__(self, sealer: FieldSealer) -> None:
        from functions.emr.adapters import DynamoRecordStore

        self._records = DynamoRecordStore(sealer)
        self._items_read = 0

    @property
    def items_read(self) -> int:
        return self._items_read

    def patients_of(self, case_ids: list[str]) -> dict[str, str]:
        from functions.cases.adapters import CaseModel

        found: dict[str, str] = {}
        with translate_errors():
            for item in CaseModel.batch_get(list(dict.fromkeys(case_ids)), attributes_to_get=["caseId", "patientId"]):
                found[item.caseId] = str(item.patientId)
                self._items_read += 1
        return found

    def records(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], RecordFacts]:
        entries = self._records.get_many(keys)
        self._items_read += len(entries)
        return {
            (entry.current.case_id, entry.current.entry_id): RecordFacts(
                entry_id=entry.current.entry_id, kind=entry.current.kind.value,
                status=entry.current.status.value, created_at=entry.created_at,
                content=dict(entry.current.content))
            for entry in entries
        }


class CognitoPeople:
    """Birth date and sex from the user pool's standard attributes (`birthdate`, `gender`)."""

    def __init__(self, cognito: Callable[[], Any], pool_id: str) -> None:
        self._cognito = cognito
        self._pool = pool_id

    def person(self, patient_id: str) -> PersonFacts:
        from botocore.exceptions import BotoCoreError, ClientError

        if not self._pool or '"' in patient_id or "\\" in patient_id:
            return PersonFacts()
        try:
            users = self._cognito().list_users(UserPoolId=self._pool, Filter=f'sub = "{patient_id}"', Limit=1)
        except (ClientError, BotoCoreError) as error:
            raise DependencyUnavailable("The user directory is unavailable.", code="directory_unavailable") from error
        if not users.get("Users"):
            return PersonFacts()
        attributes = {a["Name"]: a["Value"] for a in users["Users"][0].get("Attributes", [])}
        sex = {"female": "F", "male": "M"}.get(str(attributes.get("gender", "")).lower())
        return PersonFacts(birth_date=attributes.get("birthdate"), sex=sex)


class S3Lake:
    """The lake bucket (encrypted with the project key by the bucket's default)."""

    def __init__(self, s3: Callable[[], Any], bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def put(self, key: str, data: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._s3().put_object(Bucket=self._bucket, Key=key, Body=data)
        except (ClientError, BotoCoreError) as error:
            raise DependencyUnavailable("The lake is unavailable.", code="lake_unavailable") from error

    def get(self, key: str) -> bytes | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return bytes(self._s3().get_object(Bucket=self._bucket, Key=key)["Body"].read())
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise DependencyUnavailable("The lake is unavailable.", code="lake_unavailable") from error
        except BotoCoreError as error:
            raise DependencyUnavailable("The lake is unavailable.", code="lake_unavailable") from error

    def keys(self, prefix: str) -> list[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        keys: list[str] = []
        try:
            for page in self._s3().get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix):
                keys.extend(str(item["Key"]) for item in page.get("Contents", []))
        except (ClientError, BotoCoreError) as error:
            raise DependencyUnavailable("The lake is unavailable.", code="lake_unavailable") from error
        return sorted(keys)


class ReferenceModel(Model):
    class Meta:
        table_name = "unbound"

    analysis = UnicodeAttribute(hash_key=True)
    cell = UnicodeAttribute(range_key=True)
    figures = UnicodeAttribute()  # JSON: numbers and vocabulary values only
    computedAt = UnicodeAttribute()


class DynamoReferenceStore:
    def replace(self, analysis: str, cells: list[ReferenceCell], computed_at: str) -> None:
        keep = {cell.cell for cell in cells}
        with translate_errors():
            stale = [item for item in ReferenceModel.query(analysis, attributes_to_get=["analysis", "cell"])
                     if item.cell not in keep]
            with ReferenceModel.batch_write() as batch:
                for cell in cells:
                    batch.save(ReferenceModel(analysis=analysis, cell=cell.cell, computedAt=computed_at,
                                              figures=json.dumps(cell.figures, sort_keys=True)))
                for item in stale:
                    batch.delete(item)

    def cells(self, analysis: str, prefix: str = "") -> list[ReferenceCell]:
        condition = ReferenceModel.cell.startswith(prefix) if prefix else None
        with translate_errors():
            return [
                ReferenceCell(item.analysis, item.cell, {**json.loads(item.figures), "computedAt": item.computedAt})
                for item in ReferenceModel.query(analysis, condition)
            ]
