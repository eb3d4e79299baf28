"""The electronic medical record: versioned entries per case, with access checks and an audit trail.

Rules:
- doctors with a right to the case (assigned or invited) write; the case's patient reads their
  summary (see `kinds.PATIENT_VISIBLE_KINDS`); nobody else learns that the case exists (404);
- every edit is a new immutable version; the entry item is the pointer to the current version,
  updated only if it is still at the version the editor saw (optimistic locking: the later writer
  gets 409 `version_conflict` with the current version, and nothing is overwritten);
- nothing is deleted: retracting writes a last version with status entered-in-error;
- every read and every change, allowed or not, is an audit entry; a change and its entry are one
  transaction, and a read's entry is written before the data are returned.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace
from typing import Any, Protocol

from functions.access.ports import Grant, GrantKind
from functions.access.service import AccessPolicy
from functions.audit.chain import AuditEvent, Outcome
from functions.audit.ports import StagedWriteRejected
from functions.audit.service import AuditTrail
from functions.emr import fhir
from functions.emr.kinds import (
    CONTENT_SCHEMAS,
    KIND_PREFIX,
    LINKS_SCHEMA,
    PATIENT_VISIBLE_KINDS,
    EntryKind,
    EntryStatus,
    VersionAction,
    changed_fields,
)
from functions.emr.ports import (
    ENTRY_ITEM,
    VERSION_ITEM,
    CaseDirectory,
    ClinicalSources,
    Links,
    RecordEntry,
    RecordStore,
    RecordVersion,
    VisitDirectory,
)
from functions.shared.auth import Principal, Role
from functions.shared.clock import Clock, Precision, iso
from functions.shared.errors import Conflict, DomainError, Forbidden, NotFound, ValidationError
from functions.shared.observability import log_warning
from functions.shared.request_context import RequestSource
from functions.shared.validation import validate
from functions.timeline.ports import PATIENT_VISIBLE, EventType, TimelineEvent, TimelineWriter

MAX_EXPORT_CASES = 200
EXPORT_PAGE = 100
# An export's audit entry lists the disclosed entry ids up to this many (an item must stay < 400 KB);
# beyond it, the versions' timestamps still tell exactly what existed at the export's time.
MAX_AUDITED_IDS = 500

# Milliseconds: versions written within one second keep their order (history, timeline).
STAMP: Precision = "milliseconds"


def record_not_found() -> NotFound:
    return NotFound("No such record entry.", code="record_not_found")


def patient_not_found() -> NotFound:
    return NotFound("No such patient.", code="patient_not_found")


def new_entry_id(kind: EntryKind, epoch: float) -> str:
    # Kind prefix (begins_with lists one kind), then the creation time in fixed-width hex (newest
    # first by key), then 64 random bits.
    return f"{KIND_PREFIX[kind]}_{int(epoch * 1000):011x}{secrets.token_hex(8)}"


def entry_view(entry: RecordEntry) -> dict[str, Any]:
    current = entry.current
    view: dict[str, Any] = {
        "entryId": current.entry_id,
        "caseId": current.case_id,
        "patientId": current.patient_id,
        "kind": current.kind.value,
        "status": current.status.value,
        "version": current.version,
        "content": current.content,
        "links": {"visitIds": list(current.links.visit_ids), "photoIds": list(current.links.photo_ids)},
        "createdAt": entry.created_at,
        "createdBy": entry.created_by,
        "updatedAt": current.at,
        "updatedBy": current.author_id,
    }
    if current.status is EntryStatus.ENTERED_IN_ERROR:
        view["retraction"] = {"reason": current.reason, "at": current.at, "by": current.author_id}
    return view


def version_view(version: RecordVersion) -> dict[str, Any]:
    view: dict[str, Any] = {
        "version": version.version,
        "action": version.action.value,
        "status": version.status.value,
        "at": version.at,
        "authorId": version.author_id,
        "authorRole": version.author_role,
        "changedFields": list(version.changed_fields),
        "content": version.content,
        "links": {"visitIds": list(version.links.visit_ids), "photoIds": list(version.links.photo_ids)},
    }
    if version.reason is not None:
        view["reason"] = version.reason
    return view


def version_conflict(current: RecordEntry) -> Conflict:
    return Conflict(
        f"The entry is at version {current.version}; reapply your change to it.",
        code="version_conflict",
        details={"currentVersion": current.version, "current": entry_view(current)},
    )


def entry_retracted(current: RecordEntry) -> Conflict:
    return Conflict(
        "The entry was retracted (entered in error) and cannot change any more.",
        code="entry_retracted",
        details={"currentVersion": current.version, "current": entry_view(current)},
    )


@dataclass(frozen=True)
class CaseAccess:
    """A caller's established right to a case, and what its audit entries need."""

    principal: Principal
    grant: Grant
    case_id: str
    patient_id: str
    source: RequestSource

    @property
    def clinician(self) -> bool:
        return self.grant.kind is not GrantKind.OWNER

    def event(self, action: str, resource_type: str, resource_id: str, outcome: Outcome,
              resource_ids: tuple[str, ...] = ()) -> AuditEvent:
        return AuditEvent(
            actor_id=self.principal.user_id, role=self.principal.role.value, action=action,
            resource_type=resource_type, resource_id=resource_id, outcome=outcome, patient_id=self.patient_id,
            case_id=self.case_id, resource_ids=resource_ids, request_id=self.source.request_id,
            source_ip=self.source.source_ip,
        )


class FollowupPlanner(Protocol):
    def from_record(self, doctor: Principal, case_id: str, entry_id: str, content: dict[str, Any], request_id: str,
                    source_ip: str) -> None: ...


class EmrService:
    def __init__(self, records: RecordStore, access: AccessPolicy, cases: CaseDirectory, visits: VisitDirectory,
                 audit: AuditTrail, sources: ClinicalSources, timeline: TimelineWriter | None = None,
                 clock: Clock = time.time, followups: FollowupPlanner | None = None) -> None:
        self._followups = followups
        self._records = records
        self._access = access
        self._cases = cases
        self._visits = visits
        self._audit = audit
        self._sources = sources
        self._timeline = timeline
        self._clock = clock

    # --- writing ----------------------------------------------------------------------------
    def create(self, doctor: Principal, case_id: str, kind: str, content: dict[str, Any],
               links: dict[str, Any] | None, source: RequestSource) -> dict[str, Any]:
        """Add an entry (version 1) to a case."""
        access = self._open_case(doctor, case_id, "record.create", source)
        self._require_clinician(access)
        entry_kind = EntryKind(kind)
        checked = self._checked_content(entry_kind, content)
        checked_links = self._checked_links(case_id, links)
        now = self._clock()
        at = iso(now, STAMP)
        version = RecordVersion(
            case_id=case_id, entry_id=new_entry_id(entry_kind, now), patient_id=access.patient_id,
            kind=entry_kind, version=1, status=EntryStatus.ACTIVE, action=VersionAction.CREATE, content=checked,
            links=checked_links, author_id=doctor.user_id, author_role=doctor.role.value, at=at,
            changed_fields=tuple(sorted(checked)),
        )
        entry = RecordEntry(version, at, doctor.user_id)
        try:
            self._audit.record(access.event("record.create", "record", version.entry_id, Outcome.SUCCESS),
                               staged=self._records.stage_create(entry))
        except StagedWriteRejected:
            # 64 random bits plus the millisecond: a collision is an invariant broken, not a race.
            raise Conflict("A record entry with that id exists; try again.", code="entry_exists") from None
        self._publish(entry)
        if entry_kind is EntryKind.FOLLOWUP and self._followups is not None:
            # The written plan becomes a dated follow-up the patient is reminded of.
            self._followups.from_record(doctor, case_id, version.entry_id, checked, source.request_id,
                                        source.source_ip)
        return entry_view(entry)

    def amend(self, doctor: Principal, case_id: str, entry_id: str, expected_version: int,
              content: dict[str, Any], links: dict[str, Any] | None, source: RequestSource) -> dict[str, Any]:
        """A new version with new content, if the entry is still at `expected_version`."""
        access = self._open_case(doctor, case_id, "record.amend", source)
        self._require_clinician(access)
        current = self._current_for_change(access, "record.amend", entry_id, expected_version)
        checked = self._checked_content(current.current.kind, content)
        checked_links = current.current.links if links is None else self._checked_links(case_id, links)
        before = {**current.current.content, "links": _links_doc(current.current.links)}
        after = {**checked, "links": _links_doc(checked_links)}
        version = replace(
            current.current, version=expected_version + 1, action=VersionAction.AMEND, content=checked,
            links=checked_links, author_id=doctor.user_id, author_role=doctor.role.value, at=iso(self._clock(), STAMP),
            changed_fields=tuple(changed_fields(before, after)), reason=None,
        )
        return self._commit_version(access, "record.amend", current, version)

    def retract(self, doctor: Principal, case_id: str, entry_id: str, expected_version: int, reason: str,
                source: RequestSource) -> dict[str, Any]:
        """Mark an entry entered-in-error: a last version that keeps the content, with the reason."""
        access = self._open_case(doctor, case_id, "record.retract", source)
        self._require_clinician(access)
        current = self._current_for_change(access, "record.retract", entry_id, expected_version)
        version = replace(
            current.current, version=expected_version + 1, action=VersionAction.RETRACT,
            status=EntryStatus.ENTERED_IN_ERROR, author_id=doctor.user_id, author_role=doctor.role.value,
            at=iso(self._clock(), STAMP), changed_fields=("status",), reason=reason,
        )
        return self._commit_version(access, "record.retract", current, version)

    # --- reading ----------------------------------------------------------------------------
    def list_entries(self, principal: Principal, case_id: str, kind: str | None, limit: int,
                     cursor: str | None, source: RequestSource) -> dict[str, Any]:
        """Clinicians: every entry. The case's patient: their summary (visible kinds, not retracted)."""
        access = self._open_case(principal, case_id, "record.list", source)
        wanted = {EntryKind(kind)} if kind else None
        if not access.clinician:
            wanted = (wanted or set(PATIENT_VISIBLE_KINDS)) & PATIENT_VISIBLE_KINDS
        if wanted is not None and not wanted:
            entries, next_cursor = [], None
        else:
            page = self._records.for_case(case_id, wanted, access.clinician, limit, cursor)
            entries, next_cursor = page.entries, page.cursor
        ids = tuple(entry.current.entry_id for entry in entries)
        self._audit.record(access.event("record.list", "case", case_id, Outcome.SUCCESS, ids))
        return {"items": [entry_view(entry) for entry in entries], "nextCursor": next_cursor}

    def get(self, principal: Principal, case_id: str, entry_id: str, source: RequestSource) -> dict[str, Any]:
        access = self._open_case(principal, case_id, "record.read", source)
        entry = self._records.get(case_id, entry_id)
        if entry is None:
            self._audit.record(access.event("record.read", "record", entry_id, Outcome.NOT_FOUND))
            raise record_not_found()
        if not access.clinician and not _patient_may_see(entry):
            self._audit.record(access.event("record.read", "record", entry_id, Outcome.DENIED))
            raise record_not_found()
        self._audit.record(access.event("record.read", "record", entry_id, Outcome.SUCCESS))
        return entry_view(entry)

    def history(self, doctor: Principal, case_id: str, entry_id: str, limit: int, cursor: str | None,
                source: RequestSource) -> dict[str, Any]:
        """Every version of an entry, newest first: who changed what and when."""
        access = self._open_case(doctor, case_id, "record.history", source)
        self._require_clinician(access)
        # The entry must be this case's before any of its versions is read (and decrypted).
        page = self._records.history(entry_id, limit, cursor) if self._records.exists(case_id, entry_id) else None
        if page is None or not page.versions or any(v.case_id != case_id for v in page.versions):
            self._audit.record(access.event("record.history", "record", entry_id, Outcome.NOT_FOUND))
            raise record_not_found()
        self._audit.record(access.event("record.history", "record", entry_id, Outcome.SUCCESS))
        return {"entryId": entry_id, "items": [version_view(v) for v in page.versions], "nextCursor": page.cursor}

    # --- FHIR export ------------------------------------------------------------------------
    def export_case(self, principal: Principal, case_id: str, source: RequestSource) -> dict[str, Any]:
        """A FHIR R4 Bundle (collection) of one case's record."""
        access = self._open_case(principal, case_id, "record.export", source)
        return self._export(principal, access.patient_id, [access], "case", case_id)

    def export_patient(self, principal: Principal, patient_id: str, source: RequestSource) -> dict[str, Any]:
        """A FHIR R4 Bundle of every case of the patient the caller may see (the patient: all theirs)."""
        accesses = [
            CaseAccess(principal, grant, grant.case_id, patient_id, source)
            for grant in self._export_grants(principal, patient_id)
        ]
        if not accesses:
            self._audit.record(AuditEvent(
                actor_id=principal.user_id, role=principal.role.value, action="record.export",
                resource_type="patient", resource_id=patient_id, outcome=Outcome.NOT_FOUND,
                request_id=source.request_id, source_ip=source.source_ip,
            ))
            raise patient_not_found()
        return self._export(principal, patient_id, accesses, "patient", patient_id)

    # --- internals --------------------------------------------------------------------------
    def _open_case(self, principal: Principal, case_id: str, action: str, source: RequestSource) -> CaseAccess:
        """The caller's right to the case, or NotFound; the access policy audits a refusal as `action`."""
        grant = self._access.require_case(principal, case_id, action)
        patient_id = self._cases.patient_of(case_id)
        if patient_id is None:  # a grant outliving its case
            self._audit.record(AuditEvent(
                actor_id=principal.user_id, role=principal.role.value, action=action, resource_type="case",
                resource_id=case_id, outcome=Outcome.NOT_FOUND, case_id=case_id, request_id=source.request_id,
                source_ip=source.source_ip,
            ))
            raise NotFound("No such case.", code="case_not_found")
        return CaseAccess(principal, grant, case_id, patient_id, source)

    @staticmethod
    def _require_clinician(access: CaseAccess) -> None:
        # The route admits doctors only; this also stops a doctor writing in a case where they
        # are the patient.
        if not access.clinician or Role.DOCTOR not in access.principal.roles:
            raise Forbidden("Only the case's doctors may do this.", code="clinicians_only")

    def _current_for_change(self, access: CaseAccess, action: str, entry_id: str,
                            expected_version: int) -> RecordEntry:
        current = self._records.get(access.case_id, entry_id)
        if current is None:
            self._audit.record(access.event(action, "record", entry_id, Outcome.NOT_FOUND))
            raise record_not_found()
        if access.grant.kind is GrantKind.INVITED and current.created_by != access.principal.user_id:
            # A consultant adds their own entries; the treating (assigned) doctors own the rest of
            # the record. The invited doctor may read the entry, so saying "not yours" leaks nothing.
            self._audit.record(access.event(action, "record", entry_id, Outcome.DENIED))
            raise Forbidden("An invited doctor may change only the entries they wrote.", code="not_the_author")
        if current.current.status is EntryStatus.ENTERED_IN_ERROR:
            self._audit.record(access.event(action, "record", entry_id, Outcome.CONFLICT))
            raise entry_retracted(current)
        if current.version != expected_version:
            self._audit.record(access.event(action, "record", entry_id, Outcome.CONFLICT))
            raise version_conflict(current)
        return current

    def _commit_version(self, access: CaseAccess, action: str, current: RecordEntry,
                        version: RecordVersion) -> dict[str, Any]:
        entry = RecordEntry(version, current.created_at, current.created_by)
        try:
            self._audit.record(access.event(action, "record", version.entry_id, Outcome.SUCCESS),
                               staged=self._records.stage_version(entry, current.version))
        except StagedWriteRejected as rejected:
            if not {ENTRY_ITEM, VERSION_ITEM} & set(rejected.labels):
                raise
            # Someone else's version landed between our read and our write: theirs stays, and the
            # caller gets it to reapply their change on top.
            latest = self._records.get(access.case_id, version.entry_id) or current
            self._audit.record(access.event(action, "record", version.entry_id, Outcome.CONFLICT))
            if latest.current.status is EntryStatus.ENTERED_IN_ERROR:
                raise entry_retracted(latest) from None
            raise version_conflict(latest) from None
        self._publish(entry)
        return entry_view(entry)

    @staticmethod
    def _checked_content(kind: EntryKind, content: dict[str, Any]) -> dict[str, Any]:
        return dict(validate(content, CONTENT_SCHEMAS[kind], where="body.content"))

    def _checked_links(self, case_id: str, links: dict[str, Any] | None) -> Links:
        document = dict(validate(links or {}, LINKS_SCHEMA, where="body.links"))
        visit_ids = tuple(document.get("visitIds", ()))
        for visit_id in visit_ids:
            # A link to another case's visit would leak that the visit exists; it is simply invalid.
            if self._visits.case_of(visit_id) != case_id:
                raise ValidationError("body.links.visitIds names a visit that is not of this case.",
                                      code="unknown_visit")
        # Photos are checked by id shape only: their store belongs to the images capability.
        return Links(visit_ids, tuple(document.get("photoIds", ())))

    def _publish(self, entry: RecordEntry) -> None:
        """The timeline gets a display-safe summary: kind, version, status; never content."""
        if self._timeline is None:
            return
        current = entry.current
        try:
            self._timeline.append(TimelineEvent(
                case_id=current.case_id, event_id=f"{current.entry_id}-v{current.version}", type=EventType.RECORD,
                occurred_at=current.at, actor_id=current.author_id, ref_id=current.entry_id,
                summary={"kind": current.kind.value, "version": current.version, "status": current.status.value,
                         "action": current.action.value,
                         # The patient's timeline shows that a diagnosis, prescription, plan or follow-up
                         # was written for them; notes, amendments and retractions are the clinicians'.
                         PATIENT_VISIBLE: current.kind in PATIENT_VISIBLE_KINDS
                         and current.action is VersionAction.CREATE and current.status is EntryStatus.ACTIVE},
            ))
        except DomainError as error:
            # The record and its audit entry are committed; the timeline is a projection of them.
            log_warning("timeline append failed", case_id=current.case_id, code=error.code)

    def _export_grants(self, principal: Principal, patient_id: str) -> list[Grant]:
        if principal.user_id == patient_id and Role.PATIENT in principal.roles:
            return self._grants_of(principal, owner=True)
        if Role.DOCTOR not in principal.roles:
            return []
        # The patient's own grants name their cases; the doctor sees those they have a right to.
        patient = Principal(user_id=patient_id, username="", roles=frozenset({Role.PATIENT}))
        visible: list[Grant] = []
        for owner_grant in self._grants_of(patient, owner=True):
            grant = self._access.grant_for(principal, owner_grant.case_id)
            if grant is not None and grant.kind is not GrantKind.OWNER:
                visible.append(grant)
        return visible

    def _grants_of(self, principal: Principal, *, owner: bool) -> list[Grant]:
        grants: list[Grant] = []
        cursor: str | None = None
        while len(grants) < MAX_EXPORT_CASES:
            page = self._access.visible_case_ids(principal, EXPORT_PAGE, cursor)
            grants += [g for g in page.grants if (g.kind is GrantKind.OWNER) == owner]
            cursor = page.cursor
            if not cursor:
                break
        return grants[:MAX_EXPORT_CASES]

    def _export(self, principal: Principal, patient_id: str, accesses: list[CaseAccess], resource_type: str,
                resource_id: str) -> dict[str, Any]:
        cases: list[fhir.CaseRecord] = []
        for access in accesses:
            entries = self._all_entries(access)
            facts = self._sources.facts_for_case(access.case_id)
            cases.append(fhir.CaseRecord(access.case_id, entries, facts))
        bundle = fhir.build_bundle(self._sources.demographics(patient_id), cases, iso(self._clock(), STAMP))
        disclosed = tuple(entry.current.entry_id for case in cases for entry in case.entries)
        first = accesses[0]
        self._audit.record(AuditEvent(
            actor_id=principal.user_id, role=principal.role.value, action="record.export",
            resource_type=resource_type, resource_id=resource_id, outcome=Outcome.SUCCESS, patient_id=patient_id,
            case_id=first.case_id if resource_type == "case" else "", resource_ids=disclosed[:MAX_AUDITED_IDS],
            request_id=first.source.request_id, source_ip=first.source.source_ip,
        ))
        return bundle

    def _all_entries(self, access: CaseAccess) -> list[RecordEntry]:
        kinds = None if access.clinician else set(PATIENT_VISIBLE_KINDS)
        entries: list[RecordEntry] = []
        cursor: str | None = None
        while True:
            page = self._records.for_case(access.case_id, kinds, access.clinician, EXPORT_PAGE, cursor)
            entries += page.entries
            cursor = page.cursor
            if not cursor:
                return entries


def _patient_may_see(entry: RecordEntry) -> bool:
    return entry.current.kind in PATIENT_VISIBLE_KINDS and entry.current.status is EntryStatus.ACTIVE


def _links_doc(links: Links) -> dict[str, list[str]]:
    return {"visitIds": list(links.visit_ids), "photoIds": list(links.photo_ids)}
