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
from functions.followups.ports import INVITATION_KIND, LiveNotifier, Notice, NoticeStore
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
        sealed = self._sealer.seal(TABLE, record.case_id, fields, case_id=record.case_id)
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


class SealedConsultQuestions:
    """An invitation's question, sealed with the case's own data keys (purpose `cases`) and bound to
    the grant it belongs to (`case_access`, `<caseId>/<doctorId>`, `question`): copied onto another
    invitation, it does not open."""

    def __init__(self, sealer: FieldSealer) -> None:
        self._sealer = sealer

    def seal(self, case_id: str, doctor_id: str, question: str) -> bytes:
        return self._sealer.seal("case_access", f"{case_id}/{doctor_id}", {"question": question},
                                 purpose=TABLE, case_id=case_id)["question"]

    def open(self, case_id: str, doctor_id: str, sealed: bytes) -> str:
        return str(self._sealer.open("case_access", f"{case_id}/{doctor_id}", {"question": sealed},
                                     purpose=TABLE)["question"])


class NoticeInvitations:
    """Invitation notices through the follow-ups' notice store (the one `notices` table) and the live
    fan-out to the colleague's open sockets. The notice names the case only (ids and a kind)."""

    def __init__(self, notices: NoticeStore, live: LiveNotifier) -> None:
        self._notices = notices
        self._live = live

    def invited(self, doctor_id: str, case_id: str, notice_id: str, created_at: str) -> None:
        from functions.followups.service import notice_view

        # No e-mail or SMS: the deliveries stay empty and no reminder run reads invitation notices.
        notice = Notice(user_id=doctor_id, notice_id=notice_id, kind=INVITATION_KIND, case_id=case_id,
                        followup_id="", due_day="", created_at=created_at)
        if self._notices.create(notice):
            self._live.notify_user(doctor_id, {"type": "notice.new", **notice_view(notice)})

    def answered(self, doctor_id: str, notice_id: str, at: str) -> None:
        self._notices.mark_read(doctor_id, notice_id, at)
