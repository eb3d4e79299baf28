"""Case storage in the cases table (pynamodb)."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from functions.cases.ports import CaseRecord
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
    condition = UnicodeAttribute()
    status = UnicodeAttribute()
    bodySites = ListAttribute(of=UnicodeAttribute, default=list)
    followUpPlan = UnicodeAttribute(null=True)
    byPatient = ByPatientIndex()


def _record(item: CaseModel) -> CaseRecord:
    return CaseRecord(
        case_id=item.caseId,
        patient_id=item.patientId,
        condition=item.condition,
        status=item.status,
        opened_at=item.openedAt,
        updated_at=item.updatedAt,
        body_sites=[str(site) for site in (item.bodySites or [])],
        follow_up_plan=item.followUpPlan,
    )


class DynamoCaseStore:
    def get(self, case_id: str) -> CaseRecord | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                return _record(CaseModel.get(case_id))
            except DoesNotExist:
                return None

    def get_many(self, case_ids: list[str]) -> list[CaseRecord]:
        if not case_ids:
            return []
        with translate_errors():
            found = {item.caseId: _record(item) for item in CaseModel.batch_get(case_ids)}
        return [found[case_id] for case_id in case_ids if case_id in found]

    def create(self, record: CaseRecord) -> None:
        with translate_errors(conflict_code="case_exists", conflict_message="That case id is taken."):
            CaseModel(
                caseId=record.case_id,
                patientId=record.patient_id,
                openedAt=record.opened_at,
                updatedAt=record.updated_at,
                condition=record.condition,
                status=record.status,
                bodySites=record.body_sites,
                followUpPlan=record.follow_up_plan,
            ).save(condition=CaseModel.caseId.does_not_exist())
