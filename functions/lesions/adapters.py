"""Lesion storage in the lesions table (pynamodb): pk caseId, sk lesionId.

A lesion's label is the patient's or doctor's own words ("the itchy patch behind my knee") and its
position says where on the body it is (body site, view, x, y: `genital_area` is one): both are sealed
under the case's key (context {table "lesions", recordId "<caseId>/<lesionId>", field "label" or
"position"}); the item keeps ids and times only. Lesions stored before hold a plaintext `label`, or
a plaintext position (`bodySite`, `view`, `x`, `y`): `seal_legacy_page` converts them, and a reader
meeting one raises NotMigrated instead of answering the plaintext.
"""

from __future__ import annotations

from typing import Any, cast

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
    labelSealed = BinaryAttribute(legacy_encoding=False, null=True)
    positionSealed = BinaryAttribute(legacy_encoding=False, null=True)  # {bodySite, view, x, y}
    # Plaintext, only on lesions stored before labels (then positions) were sealed: read by
    # seal_legacy_page alone.
    label = UnicodeAttribute(null=True)
    bodySite = UnicodeAttribute(null=True)
    view = UnicodeAttribute(null=True)
    x = NumberAttribute(null=True)
    y = NumberAttribute(null=True)
    createdAt = UnicodeAttribute()
    createdBy = UnicodeAttribute()


TABLE = "lesions"


def _record_id(case_id: str, lesion_id: str) -> str:
    return f"{case_id}/{lesion_id}"


class DynamoLesionStore:
    def __init__(self, sealer: FieldSealer) -> None:
        self._sealer = sealer

    def _lesion(self, item: LesionModel) -> Lesion:
        if item.labelSealed is None or item.positionSealed is None:
            raise not_migrated(TABLE)
        sealed = {"label": bytes(item.labelSealed), "position": bytes(item.positionSealed)}
        opened = self._sealer.open(TABLE, _record_id(item.caseId, item.lesionId), sealed)
        position = cast(dict[str, Any], opened["position"])
        return Lesion(
            case_id=item.caseId,
            lesion_id=item.lesionId,
            body_site=str(position["bodySite"]),
            view=str(position["view"]),
            x=float(position["x"]),
            y=float(position["y"]),
            label=str(opened["label"]),
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
        sealed = self._sealer.seal(TABLE, _record_id(lesion.case_id, lesion.lesion_id), {
            "label": lesion.label,
            "position": _position(lesion.body_site, lesion.view, lesion.x, lesion.y),
        }, case_id=lesion.case_id)
        return put_item(LESION_CREATED_LABEL, LesionModel(
            caseId=lesion.case_id,
            lesionId=lesion.lesion_id,
            labelSealed=sealed["label"],
            positionSealed=sealed["position"],
            createdAt=lesion.created_at,
            createdBy=lesion.created_by,
        ), condition=LesionModel.lesionId.does_not_exist())


def _position(body_site: str, view: str, x: float, y: float) -> dict[str, Any]:
    return {"bodySite": body_site, "view": view, "x": x, "y": y}


def seal_legacy_page(sealer: FieldSealer, cursor: str | None, page_size: int) -> MigrationPage:
    """Seal the plaintext labels and positions of one Scan page of lesions and remove them, one
    conditional write per item (functions/migrations/legacy.py)."""
    plaintext = (LesionModel.label, LesionModel.bodySite, LesionModel.view, LesionModel.x, LesionModel.y)

    def plan(item: LesionModel) -> tuple[list[Any], Any] | None:
        left = [attribute for attribute in plaintext if getattr(item, attribute.attr_name) is not None]
        if not left and item.labelSealed is not None and item.positionSealed is not None:
            return None
        actions: list[Any] = [attribute.remove() for attribute in left]
        condition = LesionModel.lesionId.exists()
        fields: dict[str, Any] = {}
        if item.labelSealed is None:
            fields["label"] = item.label or ""
            condition &= LesionModel.labelSealed.does_not_exist()
        if item.positionSealed is None:
            fields["position"] = _position(item.bodySite or "", item.view or "", float(item.x or 0), float(item.y or 0))
            condition &= LesionModel.positionSealed.does_not_exist()
        sealed = sealer.seal(TABLE, _record_id(item.caseId, item.lesionId), fields, case_id=item.caseId)
        actions += [getattr(LesionModel, f"{name}Sealed").set(value) for name, value in sealed.items()]
        return actions, condition

    return convert_page(LesionModel, cursor, page_size, plan)
