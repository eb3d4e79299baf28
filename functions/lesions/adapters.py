"""Lesion storage in the lesions table (pynamodb): pk caseId, sk lesionId.

A lesion's label is the patient's or doctor's own words ("the itchy patch behind my knee"): it is
sealed with envelope encryption (context {table "lesions", recordId "<caseId>/<lesionId>", field
"label"}). Lesions stored before labels were sealed hold a plaintext `label`: `seal_legacy_page`
converts them, and a reader meeting one raises NotMigrated instead of answering the plaintext.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from functions.crypto.ports import FieldSealer
from functions.lesions.ports import Lesion
from functions.migrations.legacy import MigrationPage, convert_page, not_migrated
from functions.shared.dynamo import decode_cursor, encode_cursor, translate_errors
from functions.shared.transact import TransactItem, put_item

LESION_CREATED_LABEL = "lesions.create"


class LesionModel(Model):
    class Meta:
        table_name = "unbound"

    caseId = UnicodeAttribute(hash_key=True)
    lesionId = UnicodeAttribute(range_key=True)
    bodySite = UnicodeAttribute()
    view = UnicodeAttribute()
    x = NumberAttribute()
    y = NumberAttribute()
    labelSealed = BinaryAttribute(legacy_encoding=False, null=True)
    # Plaintext, only on lesions stored before labels were sealed: read by seal_legacy_page alone.
    label = UnicodeAttribute(null=True)
    createdAt = UnicodeAttribute()
    createdBy = UnicodeAttribute()


TABLE = "lesions"


def _record_id(case_id: str, lesion_id: str) -> str:
    return f"{case_id}/{lesion_id}"


class DynamoLesionStore:
    def __init__(self, sealer: FieldSealer) -> None:
        self._sealer = sealer

    def _lesion(self, item: LesionModel) -> Lesion:
        if item.labelSealed is None:
            raise not_migrated(TABLE)
        sealed = {"label": bytes(item.labelSealed)}
        label = str(self._sealer.open(TABLE, _record_id(item.caseId, item.lesionId), sealed)["label"])
        return Lesion(
            case_id=item.caseId,
            lesion_id=item.lesionId,
            body_site=item.bodySite,
            view=item.view,
            x=float(item.x),
            y=float(item.y),
            label=label,
            created_at=item.createdAt,
            created_by=item.createdBy,
        )

    def get(self, case_id: str, lesion_id: str) -> Lesion | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                return self._lesion(LesionModel.get(case_id, lesion_id))
            except DoesNotExist:
                return None

    def for_case(self, case_id: str, limit: int, cursor: str | None) -> tuple[list[Lesion], str | None]:
        start = decode_cursor(cursor, partition=("caseId", case_id))
        with translate_errors():
            result = LesionModel.query(case_id, limit=limit, page_size=limit, last_evaluated_key=start)
            lesions = [self._lesion(item) for item in result]
            return lesions, encode_cursor(result.last_evaluated_key)

    def stage_create(self, lesion: Lesion) -> TransactItem:
        sealed = self._sealer.seal(TABLE, _record_id(lesion.case_id, lesion.lesion_id), {"label": lesion.label},
                                   case_id=lesion.case_id)
        return put_item(LESION_CREATED_LABEL, LesionModel(
            caseId=lesion.case_id,
            lesionId=lesion.lesion_id,
            bodySite=lesion.body_site,
            view=lesion.view,
            x=lesion.x,
            y=lesion.y,
            labelSealed=sealed["label"],
            createdAt=lesion.created_at,
            createdBy=lesion.created_by,
        ), condition=LesionModel.lesionId.does_not_exist())


def seal_legacy_page(sealer: FieldSealer, cursor: str | None, page_size: int) -> MigrationPage:
    """Seal the plaintext labels of one Scan page of lesions and remove them (functions/migrations/legacy.py)."""

    def plan(item: LesionModel) -> tuple[list[Any], Any] | None:
        if item.label is None and item.labelSealed is not None:
            return None
        actions: list[Any] = [LesionModel.label.remove()] if item.label is not None else []
        condition = LesionModel.lesionId.exists()
        if item.labelSealed is None:
            sealed = sealer.seal(TABLE, _record_id(item.caseId, item.lesionId), {"label": item.label or ""},
                                 case_id=item.caseId)
            actions.append(LesionModel.labelSealed.set(sealed["label"]))
            condition &= LesionModel.labelSealed.does_not_exist()
        return actions, condition

    return convert_page(LesionModel, cursor, page_size, plan)
