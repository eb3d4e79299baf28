"""Case storage in the cases table (pynamodb).

The condition and the follow-up plan are clinical free text: they are sealed with envelope
encryption (context {table "cases", recordId caseId, field}) before the item is built.
"""

from __future__ import annotations

from pynamodb.attributes import BinaryAttribute, ListAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from functions.cases.ports import CaseRecord
from functions.crypto.ports import FieldSealer
from functions.shared.dynamo import translate_errors


class ByPatientIndex(GlobalSecondaryIndex["CaseModel"]):
    class Meta:
        index_name = "byPatient"
        projection = AllProjection()

    patientId = UnicodeAttribute(hash_key=True)
    openedAt = UnicodeAttribute(range_key=True)


class CaseModel(Model):
    class Meta:
        table_name = "unbound"

    caseId = UnicodeAttribute(hash_key=True)
    patientId = UnicodeAttribute()
    openedAt = UnicodeAttribute()
    updatedAt = UnicodeAttribute()
    condition = BinaryAttribute(legacy_encoding=False)  # sealed
    status = UnicodeAttribute()
    bodySites = ListAttribute(of=UnicodeAttribute, default=list)
    followUpPlan = BinaryAttribute(legacy_encoding=False, null=True)  # sealed
    byPatient = ByPatientIndex()

TABLE = "cases"


class DynamoCaseStore:
    def __init__(self, sealer: FieldSealer) -> None:
        self._sealer = sealer

    def _record(self, item: CaseModel) -> CaseRecord:
        sealed = {"condition": bytes(item.condition)}
        if item.followUpPlan is not None:
            sealed["followUpPlan"] = bytes(item.followUpPlan)
        opened = self._sealer.open(TABLE, item.caseId, sealed)
        plan = opened.get("followUpPlan")
        return CaseRecord(
            case_id=item.caseId,
            patient_id=item.patientId,
            condition=str(opened["condition"]),
            status=item.status,
            opened_at=item.openedAt,
            updated_at=item.updatedAt,
            body_sites=[str(site) for site in (item.bodySites or [])],
            follow_up_plan=str(plan) if plan is not None else None,
        )

    def get(self, case_id: str) -> CaseRecord | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                item = CaseModel.get(case_id)
            except DoesNotExist:
                return None
        return self._record(item)

    def get_many(self, case_ids: list[str]) -> list[CaseRecord]:
        if not case_ids:
            return []
        with translate_errors():
            items = list(CaseModel.batch_get(case_ids))
        found = {item.caseId: self._record(item) for item in items}
        return [found[case_id] for case_id in case_ids if case_id in found]

    def create(self, record: CaseRecord) -> None:
        fields: dict[str, object] = {"condition": record.condition}
        if record.follow_up_plan is not None:
            fields["followUpPlan"] = record.follow_up_plan
        sealed = self._sealer.seal(TABLE, record.case_id, fields)
        with translate_errors(conflict_code="case_exists", conflict_message="That case id is taken."):
            CaseModel(
                caseId=record.case_id,
                patientId=record.patient_id,
                openedAt=record.opened_at,
                updatedAt=record.updated_at,
                condition=sealed["condition"],
                status=record.status,
                bodySites=record.body_sites,
                followUpPlan=sealed.get("followUpPlan"),
            ).save(condition=CaseModel.caseId.does_not_exist())

    def set_status(self, case_id: str, status: str, updated_at: str) -> None:
        from functions.access.service import case_not_found
        from functions.shared.errors import Conflict

        try:
            with translate_errors(conflict_code="case_not_found"):
                CaseModel(caseId=case_id).update(
                    actions=[CaseModel.status.set(status), CaseModel.updatedAt.set(updated_at)],
                    condition=CaseModel.caseId.exists(),
                )
        except Conflict as missing:
            raise case_not_found() from missing

    def status_of(self, case_id: str) -> str | None:
        """The status alone: a projection read that opens nothing sealed (no data key on the write paths)."""
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                item = CaseModel.get(case_id, attributes_to_get=["caseId", "status"])
            except DoesNotExist:
                return None
        return str(item.status)
