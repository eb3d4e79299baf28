"""Cases: what a patient or doctor may list and open; a case's lifecycle (open, closed, reopened)."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from typing import Any, Protocol

from functions.access.ports import Grant, GrantKind
from functions.access.service import AccessPolicy, case_not_found, grant_view
from functions.cases.ports import CaseRecord, CaseStore, ConsultQuestions, InvitationNotices
from functions.shared.auth import Principal, Role
from functions.shared.clock import Clock, iso
from functions.shared.errors import Conflict, ValidationError

OPEN, CLOSED = "open", "closed"


def case_closed() -> Conflict:
    return Conflict("This case is closed: nothing new can be added until a doctor reopens it.", code="case_closed")


class RoleDirectory(Protocol):
    def roles_of(self, user_id: str) -> frozenset[Role]: ...


class CaseReadAudit(Protocol):
    """Appends to the audit trail: every disclosure of a case's clinical fields is recorded."""

    def case_read(self, principal: Principal, action: str, cases: tuple[tuple[str, str], ...], outcome: str,
                  request_id: str, source_ip: str) -> None:
        """`cases`: (case id, patient id) pairs disclosed (patient id "" when unknown)."""
        ...

    def access_changed(self, principal: Principal, action: str, case_id: str, patient_id: str, grantee_id: str,
                       request_id: str, source_ip: str) -> None:
        """Someone was let in to (or out of) a case: the grantee is the entry's resource."""
        ...


def invitation_notice_id(grant: Grant) -> str:
    """One notice per invitation: the case and the moment it was sent (a new invitation is new)."""
    return f"inv-{grant.case_id}-{re.sub(r'[^0-9A-Za-z]', '', grant.granted_at)}"


def new_case_id() -> str:
    return "case_" + secrets.token_urlsafe(12)


def case_summary(record: CaseRecord) -> dict[str, Any]:
    return {
        "caseId": record.case_id,
        "patientId": record.patient_id,
        "condition": record.condition,
        "status": record.status,
        "openedAt": record.opened_at,
        "updatedAt": record.updated_at,
    }


class CasesService:
    def __init__(self, cases: CaseStore, access: AccessPolicy, directory: RoleDirectory,
                 clock: Clock = time.time, *, audit: CaseReadAudit | None = None,
                 questions: ConsultQuestions | None = None, notices: InvitationNotices | None = None,
                 access_ended: Callable[[str, str], object] | None = None) -> None:
        # access_ended(case_id, doctor_id): told when an invitation is revoked or declined (signaling detaches
        # that doctor's sockets from the case's visits at once).
        self._access_ended = access_ended
        self._cases = cases
        self._access = access
        self._directory = directory
        self._clock = clock
        self._audit = audit
        self._questions = questions
        self._notices = notices

    def list_visible(self, principal: Principal, limit: int, cursor: str | None, *, request_id: str = "",
                     source_ip: str = "") -> dict[str, Any]:
        page = self._access.visible_case_ids(principal, limit, cursor)
        wanted = [
            grant.case_id for grant in page.grants
            if (grant.kind is GrantKind.OWNER) == (principal.role is Role.PATIENT)
        ]
        records = self._cases.get_many(wanted)
        if self._audit is not None and records:
            self._audit.case_read(principal, "case.list", tuple((r.case_id, r.patient_id) for r in records),
                                  "success", request_id, source_ip)
        return {"items": [case_summary(r) for r in records], "nextCursor": page.cursor}

    def get(self, principal: Principal, case_id: str, *, request_id: str = "", source_ip: str = "") -> dict[str, Any]:
        self._access.require_case(principal, case_id, action="case.read")  # a refusal is audited there
        record = self._cases.get(case_id)
        if record is None:
            raise case_not_found()
        if self._audit is not None:
            self._audit.case_read(principal, "case.read", ((case_id, record.patient_id),), "success", request_id,
                                  source_ip)
        doctors = [grant_view(g) for g in self._access.grants_of(case_id) if g.kind is not GrantKind.OWNER]
        return {
            **case_summary(record),
            "bodySites": record.body_sites,
            "followUpPlan": record.follow_up_plan,
            "doctors": doctors,
        }

    def open_case(self, doctor: Principal, patient_id: str, condition: str, body_sites: list[str],
                  follow_up_plan: str | None = None, *, assigned: list[str] | None = None,
                  request_id: str = "", source_ip: str = "") -> dict[str, Any]:
        """A new case of one of the clinic's patients (the clinic's patient list is the care
        relationship: one deployment serves one clinic), with the opening doctor and any other
        doctors of the clinic assigned. Audited as `case.open`."""
        if Role.PATIENT not in self._directory.roles_of(patient_id):
            raise ValidationError("patientId is not a DermaFollow patient.", code="unknown_patient")
        others = [d for d in dict.fromkeys(assigned or []) if d != doctor.user_id]
        for other in others:
            if Role.DOCTOR not in self._directory.roles_of(other):
                raise ValidationError("Each assigned doctor must be a DermaFollow doctor.", code="unknown_doctor")
        record = self.create_record(patient_id, condition, body_sites, follow_up_plan)
        self._access.open_case(record.case_id, patient_id, [doctor.user_id, *others], granted_by=doctor.user_id)
        if self._audit is not None:
            self._audit.case_read(doctor, "case.open", ((record.case_id, patient_id),), "success", request_id,
                                  source_ip)
        return self.get(doctor, record.case_id, request_id=request_id, source_ip=source_ip)

    def set_status(self, doctor: Principal, case_id: str, status: str, *, request_id: str = "",
                   source_ip: str = "") -> dict[str, Any]:
        """Close or reopen the case (its assigned doctors). Closing twice is not an error: the answer
        is the case as it stands. Audited as `case.close` / `case.reopen`."""
        action = "case.close" if status == CLOSED else "case.reopen"
        self._access.require_assigned_doctor(doctor, case_id, action=action)
        record = self._cases.get(case_id)
        if record is None:
            raise case_not_found()
        if record.status != status:
            self._cases.set_status(case_id, status, iso(self._clock()))
            if self._audit is not None:
                self._audit.case_read(doctor, action, ((case_id, record.patient_id),), "success", request_id,
                                      source_ip)
        return self.get(doctor, case_id, request_id=request_id, source_ip=source_ip)

    def invite(self, doctor: Principal, case_id: str, colleague_id: str, hours: int, *, question: str = "",
               request_id: str = "", source_ip: str = "") -> dict[str, Any]:
        """An assigned doctor lets a colleague of the clinic see the case for `hours`, with the consult
        question (sealed). Audited `case.invite` (the colleague's id in the entry: who was let in is
        what an auditor asks)."""
        self._access.require_assigned_doctor(doctor, case_id, action="case.invite")
        if Role.DOCTOR not in self._directory.roles_of(colleague_id):
            raise ValidationError("doctorId is not a DermaFollow doctor.", code="unknown_doctor")
        sealed = (self._questions.seal(case_id, colleague_id, question.strip())
                  if question.strip() and self._questions is not None else None)
        grant = self._access.invite(doctor, case_id, colleague_id, hours, question=sealed)
        self._audit_grant(doctor, "case.invite", case_id, colleague_id, request_id, source_ip)
        if self._notices is not None:  # the colleague is told, live when online
            self._notices.invited(colleague_id, case_id, invitation_notice_id(grant), grant.granted_at)
        return grant_view(grant)

    def answer_invitation(self, colleague: Principal, case_id: str, accepted: bool, *, request_id: str = "",
                          source_ip: str = "") -> dict[str, Any]:
        """The invited colleague accepts the consult, or declines it (their access ends now). Audited
        `case.consult_accept` / `case.consult_decline`."""
        grant = self._access.answer(colleague, case_id, accepted)
        action = "case.consult_accept" if accepted else "case.consult_decline"
        self._audit_grant(colleague, action, case_id, colleague.user_id, request_id, source_ip)
        if self._notices is not None:
            self._notices.answered(colleague.user_id, invitation_notice_id(grant), grant.answered_at or "")
        if not accepted and self._access_ended is not None:
            self._access_ended(case_id, colleague.user_id)  # declining ends access: leave the case's visits
        return grant_view(grant)

    def question_of(self, case_id: str, doctor_id: str, sealed: bytes | None) -> str | None:
        """An invitation's question in clear, for the colleague's worklist (None when none was asked)."""
        if sealed is None or self._questions is None:
            return None
        return self._questions.open(case_id, doctor_id, sealed)

    def revoke(self, doctor: Principal, case_id: str, colleague_id: str, *, request_id: str = "",
               source_ip: str = "") -> dict[str, Any]:
        """End a colleague's invitation now. Audited `case.revoke`."""
        grant = self._access.revoke(doctor, case_id, colleague_id)
        self._audit_grant(doctor, "case.revoke", case_id, colleague_id, request_id, source_ip)
        if self._access_ended is not None:
            self._access_ended(case_id, colleague_id)  # their sockets leave the case's visits now
        return grant_view(grant)

    def _audit_grant(self, doctor: Principal, action: str, case_id: str, colleague_id: str, request_id: str,
                     source_ip: str) -> None:
        if self._audit is not None:
            self._audit.access_changed(doctor, action, case_id, self._access.owner_of(case_id) or "", colleague_id,
                                       request_id, source_ip)

    def require_open(self, case_id: str) -> None:
        """The write paths' check (uploads, visits, scores): a closed case answers 409 `case_closed`."""
        if self._cases.status_of(case_id) == CLOSED:
            raise case_closed()

    def create_record(self, patient_id: str, condition: str, body_sites: list[str],
                      follow_up_plan: str | None) -> CaseRecord:
        now = iso(self._clock())
        record = CaseRecord(
            case_id=new_case_id(),
            patient_id=patient_id,
            condition=condition,
            status=OPEN,
            opened_at=now,
            updated_at=now,
            body_sites=body_sites,
            follow_up_plan=follow_up_plan,
        )
        self._cases.create(record)
        return record
