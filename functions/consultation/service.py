"""Consultation rounds: independent, blinded reads of one case by several of its doctors, closed by
the lead doctor with a consensus that becomes a diagnosis entry in the medical record.

Rules:
- any doctor of the case (assigned, or invited with a live grant) may open a round and so becomes its
  lead; the readers are doctors of the case too (the lead may be one of them); the photos and scores
  to judge must be the case's own;
- each reader records one read, while the round is open;
- blinding: a reader sees no other read of the round until their own is in; before that the round
  shows them only their own state (not even how many reads are in), and asking for the reads answers
  403 `read_first`. A lead who is not a reader, and any other doctor of the case, sees how many reads
  are in; the lead sees the reads once every reader has read (so the consensus can weigh them), the
  others once the round is closed (`reads_hidden` before);
- only the lead closes, once at least one read is in (a reader may never answer); the consensus is
  written to the record through its own create path (its own audit entry and timeline event), and
  the closed round shows everything to every doctor of the case;
- everyone else, patients included, learns nothing: the case's access policy answers 404;
- every read and write of a round is an audit entry, written with the change in one transaction.
"""

from __future__ import annotations

import secrets
import time
from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations
from typing import Any

from functions.access.ports import Grant, GrantKind
from functions.access.service import AccessPolicy
from functions.audit.chain import AuditEvent, Outcome
from functions.audit.ports import StagedWriteRejected
from functions.consultation import agreement
from functions.consultation.ports import (
    Audit,
    CaseMaterial,
    Consensus,
    DiagnosisWriter,
    HiddenReason,
    Read,
    ReadFacts,
    Round,
    RoundStatus,
    RoundStore,
)
from functions.shared.auth import Principal
from functions.shared.clock import Clock, iso, last_months
from functions.shared.errors import Conflict, Forbidden, NotFound, ValidationError
from functions.shared.request_context import RequestSource

MAX_READERS = 8
CLINIC_MONTHS = 24  # the clinic's figures cover the rounds closed in the last two years
DOCTOR_MONTHS = 12  # a doctor's page shows their last year month by month
MAX_PLAN_IN_NOTE = 1800  # the record's diagnosis note holds 2,000 characters; the rest is the preamble


def round_not_found() -> NotFound:
    return NotFound("No such consultation round.", code="round_not_found")


def new_round_id(epoch: float) -> str:
    # Creation time in fixed-width hex (newest last by key, listed newest first), then 48 random bits.
    return f"cr_{int(epoch * 1000):011x}{secrets.token_hex(6)}"


def hidden_reason(round_: Round, user_id: str) -> HiddenReason | None:
    """Why `user_id` may not see the round's reads now (None: they may)."""
    if round_.status is RoundStatus.CLOSED:
        return None
    if user_id in round_.reader_ids:
        return None if user_id in round_.reads_in else "read_first"
    if user_id == round_.lead_id and set(round_.reader_ids) <= set(round_.reads_in):
        return None
    return "reads_hidden"


def read_view(read: Read) -> dict[str, Any]:
    return {"readerId": read.reader_id, "code": read.code, "label": read.label, "iga": read.iga,
            "pasi": read.pasi, "treatment": read.treatment, "confidence": read.confidence,
            "comment": read.comment or None, "submittedAt": read.submitted_at}


def round_agreement(codes: list[str], grades: list[int], consensus: Consensus | None) -> dict[str, Any]:
    """The round's raw agreement: share of agreeing pairs of reads; with the consensus once closed."""
    view: dict[str, Any] = {"reads": len(codes), "pairs": len(codes) * (len(codes) - 1) // 2,
                            "diagnosis": agreement.pairwise_agreement(codes),
                            "severity": agreement.pairwise_agreement(grades)}
    if consensus is not None and codes:
        view["withConsensus"] = sum(code == consensus.code for code in codes) / len(codes)
    return view


def round_view(round_: Round, viewer: str, reads: list[Read] | None) -> dict[str, Any]:
    """The round as `viewer` may see it. `reads` must be given when the viewer may see them or has read."""
    reason = hidden_reason(round_, viewer)
    reading = viewer in round_.reader_ids
    own = next((r for r in reads or [] if r.reader_id == viewer), None)
    view: dict[str, Any] = {
        "roundId": round_.round_id, "caseId": round_.case_id, "leadId": round_.lead_id,
        "question": round_.question, "photoIds": list(round_.photo_ids), "scoreIds": list(round_.score_ids),
        "readerIds": list(round_.reader_ids), "status": round_.status.value, "openedAt": round_.opened_at,
        "me": {"lead": viewer == round_.lead_id, "reader": reading, "submitted": viewer in round_.reads_in},
        "myRead": read_view(own) if own is not None else None,
        "readsVisible": reason is None, "hiddenReason": reason,
    }
    if reason == "read_first":
        # Blinded: only the reader's own state, not even how many colleagues have read.
        view.update(readsIn=None, readers=None, reads=None, agreement=None)
    else:
        view["readsIn"] = len(round_.reads_in)
        view["readers"] = [{"doctorId": d, "read": d in round_.reads_in} for d in round_.reader_ids]
        visible = sorted(reads or [], key=lambda r: r.submitted_at) if reason is None else None
        view["reads"] = [read_view(r) for r in visible] if visible is not None else None
        view["agreement"] = (round_agreement([r.code for r in visible], [r.iga for r in visible], round_.consensus)
                             if visible else None)
    consensus = round_.consensus
    view["consensus"] = None if consensus is None else {
        "code": consensus.code, "label": consensus.label, "iga": consensus.iga, "plan": consensus.plan,
        "closedBy": consensus.closed_by, "closedAt": consensus.closed_at, "recordEntryId": consensus.record_entry_id,
    }
    return view


class ConsultationService:
    def __init__(self, rounds: RoundStore, access: AccessPolicy, material: CaseMaterial, record: DiagnosisWriter,
                 audit: Audit, clock: Clock = time.time) -> None:
        self._rounds = rounds
        self._access = access
        self._material = material
        self._record = record
        self._audit = audit
        self._clock = clock

    # --- writing ----------------------------------------------------------------------------
    def open(self, lead: Principal, case_id: str, question: str, photo_ids: list[str], score_ids: list[str],
             reader_ids: list[str], source: RequestSource) -> dict[str, Any]:
        """Open a round on the case: the caller is its lead."""
        patient_id = self._doctor_of_case(lead, case_id, "consultation.open")
        question = question.strip()
        if not question:
            raise ValidationError("Write the question the readers should answer.", code="question_required")
        readers = tuple(dict.fromkeys(reader_ids))
        if not 1 <= len(readers) <= MAX_READERS:
            raise ValidationError(f"Choose 1 to {MAX_READERS} readers.", code="readers_required")
        doctors = {g.principal_id for g in self._access.grants_of(case_id) if g.kind is not GrantKind.OWNER}
        if not set(readers) <= doctors:
            raise ValidationError("Every reader must be a doctor of the case (assigned, or invited now).",
                                  code="reader_not_on_case")
        photos, scores = tuple(dict.fromkeys(photo_ids)), tuple(dict.fromkeys(score_ids))
        if photos and self._material.existing_photos(case_id, photos) != set(photos):
            raise ValidationError("A chosen photo is not one of this case's photos.", code="photo_not_on_case")
        if scores and self._material.existing_scores(case_id, scores) != set(scores):
            raise ValidationError("A chosen score is not one of this case's scores.", code="score_not_on_case")
        now = self._clock()
        round_ = Round(case_id=case_id, round_id=new_round_id(now), patient_id=patient_id, lead_id=lead.user_id,
                       question=question, photo_ids=photos, score_ids=scores, reader_ids=readers,
                       status=RoundStatus.OPEN, opened_at=iso(now))
        self._audit.record(self._event(lead, round_, "consultation.open", Outcome.SUCCESS, source),
                           staged=self._rounds.stage_create(round_))
        return round_view(round_, lead.user_id, [])

    def submit_read(self, reader: Principal, case_id: str, round_id: str, code: str, label: str, iga: int,
                    pasi: float | None, treatment: str, confidence: int, comment: str,
                    source: RequestSource) -> dict[str, Any]:
        """A reader's one read; afterwards the round is no longer blinded for them."""
        round_ = self._round(reader, case_id, round_id, "consultation.submit", source)
        if reader.user_id not in round_.reader_ids:
            self._audit.record(self._event(reader, round_, "consultation.submit", Outcome.DENIED, source))
            raise Forbidden("You are not a reader of this round.", code="not_a_reader")
        self._require_open_and_unread(round_, reader.user_id)
        treatment = treatment.strip()
        if not treatment:
            raise ValidationError("Write the treatment you recommend.", code="treatment_required")
        read = Read(round_id=round_id, reader_id=reader.user_id, code=code, label=label.strip(), iga=iga, pasi=pasi,
                    treatment=treatment, confidence=confidence, comment=comment.strip(),
                    submitted_at=iso(self._clock(), "milliseconds"))
        try:
            self._audit.record(self._event(reader, round_, "consultation.submit", Outcome.SUCCESS, source),
                               staged=self._rounds.stage_read(round_, read))
        except StagedWriteRejected:
            # A second tab submitted first, or the lead closed meanwhile: say which.
            latest = self._rounds.get(case_id, round_id)
            self._require_open_and_unread(latest or round_, reader.user_id)
            raise
        updated = self._rounds.get(case_id, round_id) or round_
        return round_view(updated, reader.user_id, self._rounds.reads(round_id))

    def close(self, lead: Principal, case_id: str, round_id: str, code: str, label: str, iga: int | None,
              plan: str, source: RequestSource) -> dict[str, Any]:
        """The lead's consensus: a diagnosis entry in the record, then the round is closed and open to all."""
        round_ = self._round(lead, case_id, round_id, "consultation.close", source)
        if lead.user_id != round_.lead_id:
            self._audit.record(self._event(lead, round_, "consultation.close", Outcome.DENIED, source))
            raise Forbidden("Only the doctor who opened the round closes it.", code="not_the_lead")
        if round_.status is RoundStatus.CLOSED:
            raise Conflict("The round is closed already.", code="round_closed")
        plan = plan.strip()
        if not plan:
            raise ValidationError("Write the plan agreed on.", code="plan_required")
        if len(plan) > MAX_PLAN_IN_NOTE:
            raise ValidationError(f"The plan holds at most {MAX_PLAN_IN_NOTE} characters.", code="plan_too_long")
        reads = self._rounds.reads(round_id)
        if not reads:
            raise Conflict("No reader has read yet; a consensus needs at least one read.", code="no_reads")
        # The record's own create path: its checks, its sealing, its audit entry and timeline event.
        photos = tuple(p for p in round_.photo_ids if p in self._material.existing_photos(case_id, round_.photo_ids))
        note = (f"Consensus of a consultation round ({len(reads)} of {len(round_.reader_ids)} readers). "
                f"Plan: {plan}")
        entry = self._record.create(lead, case_id, "diagnosis",
                                    {"code": code, "text": label.strip(), "clinicalStatus": "active", "note": note},
                                    {"photoIds": list(photos)} if photos else None, source)
        consensus = Consensus(code=code, label=label.strip(), iga=iga, plan=plan, closed_by=lead.user_id,
                              closed_at=iso(self._clock()), record_entry_id=str(entry["entryId"]))
        facts = tuple(ReadFacts(r.reader_id, r.code, r.iga) for r in reads)
        try:
            self._audit.record(self._event(lead, round_, "consultation.close", Outcome.SUCCESS, source),
                               staged=self._rounds.stage_close(round_, consensus, facts))
        except StagedWriteRejected:
            # Closed in the meantime (a second click): the entry just written stays, visible and retractable.
            raise Conflict("The round is closed already.", code="round_closed") from None
        closed = self._rounds.get(case_id, round_id) or round_
        return round_view(closed, lead.user_id, reads)

    # --- reading ----------------------------------------------------------------------------
    def list_rounds(self, doctor: Principal, case_id: str, limit: int, cursor: str | None,
                    source: RequestSource) -> dict[str, Any]:
        patient_id = self._doctor_of_case(doctor, case_id, "consultation.list")
        page = self._rounds.for_case(case_id, limit, cursor)
        self._audit.record(AuditEvent(
            actor_id=doctor.user_id, role=doctor.role.value, action="consultation.list", resource_type="case",
            resource_id=case_id, outcome=Outcome.SUCCESS, patient_id=patient_id, case_id=case_id,
            resource_ids=tuple(r.round_id for r in page.rounds), request_id=source.request_id,
            source_ip=source.source_ip))
        return {"items": [round_view(r, doctor.user_id, self._reads_for(r, doctor.user_id)) for r in page.rounds],
                "nextCursor": page.cursor}

    def get(self, doctor: Principal, case_id: str, round_id: str, source: RequestSource) -> dict[str, Any]:
        round_ = self._round(doctor, case_id, round_id, "consultation.get", source)
        self._audit.record(self._event(doctor, round_, "consultation.get", Outcome.SUCCESS, source))
        return round_view(round_, doctor.user_id, self._reads_for(round_, doctor.user_id))

    def list_reads(self, doctor: Principal, case_id: str, round_id: str, source: RequestSource) -> dict[str, Any]:
        """Every read of the round, once the caller may see them (403 `read_first` / `reads_hidden` before)."""
        round_ = self._round(doctor, case_id, round_id, "consultation.reads", source)
        reason = hidden_reason(round_, doctor.user_id)
        if reason is not None:
            self._audit.record(self._event(doctor, round_, "consultation.reads", Outcome.DENIED, source))
            if reason == "read_first":
                raise Forbidden("Submit your own read first: the round is blinded until then.", code="read_first")
            raise Forbidden("The reads show once every reader has read, or once the round is closed.",
                            code="reads_hidden")
        reads = sorted(self._rounds.reads(round_id), key=lambda r: r.submitted_at)
        self._audit.record(self._event(doctor, round_, "consultation.reads", Outcome.SUCCESS, source))
        return {"items": [read_view(r) for r in reads],
                "agreement": round_agreement([r.code for r in reads], [r.iga for r in reads], round_.consensus)}

    # --- agreement across rounds ------------------------------------------------------------
    def clinic_agreement(self) -> dict[str, Any]:
        """The clinic's figures over the rounds closed in the last 24 months: no patient, no case, no text."""
        rounds = self._closed_rounds(CLINIC_MONTHS)
        codes = [[f.code for f in r.read_facts] for r in rounds]
        grades = [[f.iga for f in r.read_facts] for r in rounds]
        with_pairs = [r for r in rounds if len(r.read_facts) >= 2]

        def mean(values: Iterable[float | None]) -> float | None:
            present = [v for v in values if v is not None]
            return round(sum(present) / len(present), 3) if present else None

        by_pair: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for r in rounds:
            facts = sorted(r.read_facts, key=lambda f: f.reader_id)
            for first, second in combinations(facts, 2):
                by_pair[(first.reader_id, second.reader_id)].append((first.code, second.code))
        fleiss_rounds = agreement.fleiss_subjects(codes)
        return {
            "rounds": len(rounds),
            "rawAgreement": {"n": len(with_pairs),
                             "diagnosis": mean(agreement.pairwise_agreement(c) for c in codes if len(c) >= 2),
                             "severity": mean(agreement.pairwise_agreement(g) for g in grades if len(g) >= 2)},
            "cohenPairs": [{"doctorIds": list(pair), **agreement.cohen_kappa(pairs).view()}
                           for pair, pairs in sorted(by_pair.items())],
            "fleissDiagnosis": {**agreement.fleiss_kappa(codes).view(),
                                "readsPerRound": len(fleiss_rounds[0]) if fleiss_rounds else None},
            "alphaSeverity": agreement.krippendorff_alpha(grades, "ordinal").view(),
            "withConsensus": [{"doctorId": doctor, **figure} for doctor, figure in
                              sorted(self._consensus_by_doctor(rounds).items())],
        }

    def my_agreement(self, doctor: Principal) -> dict[str, Any]:
        """The doctor's agreement with the consensus, month by month over the last 12 months."""
        months = last_months(self._clock(), DOCTOR_MONTHS)
        rounds = [r for r in self._closed_rounds(DOCTOR_MONTHS)
                  if any(f.reader_id == doctor.user_id for f in r.read_facts)]
        by_month = {month: [r for r in rounds if r.consensus and r.consensus.closed_at.startswith(month)]
                    for month in months}
        return {"doctorId": doctor.user_id,
                "overall": self._consensus_figure(rounds, doctor.user_id),
                "months": [{"month": month, **self._consensus_figure(rs, doctor.user_id)}
                           for month, rs in by_month.items()]}

    # --- helpers ----------------------------------------------------------------------------
    def _closed_rounds(self, months: int) -> list[Round]:
        return [r for r in self._rounds.closed_in_months(last_months(self._clock(), months))
                if r.consensus is not None]

    def _consensus_by_doctor(self, rounds: list[Round]) -> dict[str, dict[str, Any]]:
        doctors = {f.reader_id for r in rounds for f in r.read_facts}
        return {doctor: self._consensus_figure(rounds, doctor) for doctor in doctors}

    @staticmethod
    def _consensus_figure(rounds: list[Round], doctor_id: str) -> dict[str, Any]:
        diagnosis, severity = [0, 0], [0, 0]  # [agreed, n]
        for r in rounds:
            consensus = r.consensus
            fact = next((f for f in r.read_facts if f.reader_id == doctor_id), None)
            if consensus is None or fact is None:
                continue
            diagnosis[0] += fact.code == consensus.code
            diagnosis[1] += 1
            if consensus.iga is not None:
                severity[0] += fact.iga == consensus.iga
                severity[1] += 1
        return {"diagnosis": agreement.wilson(*diagnosis).view(), "severity": agreement.wilson(*severity).view()}

    def _doctor_of_case(self, doctor: Principal, case_id: str, action: str) -> str:
        """The case's patient, once the caller is known as one of its doctors (else 404, recorded)."""
        grant: Grant = self._access.require_case(doctor, case_id, action)
        if grant.kind is GrantKind.OWNER:  # a patient who is also a doctor: not on their own case
            raise NotFound("No such case.", code="case_not_found")
        return self._access.owner_of(case_id) or ""

    def _round(self, doctor: Principal, case_id: str, round_id: str, action: str, source: RequestSource) -> Round:
        patient_id = self._doctor_of_case(doctor, case_id, action)
        round_ = self._rounds.get(case_id, round_id)
        if round_ is None:
            self._audit.record(AuditEvent(
                actor_id=doctor.user_id, role=doctor.role.value, action=action, resource_type="consultation",
                resource_id=round_id, outcome=Outcome.NOT_FOUND, patient_id=patient_id, case_id=case_id,
                request_id=source.request_id, source_ip=source.source_ip))
            raise round_not_found()
        return round_

    def _reads_for(self, round_: Round, viewer: str) -> list[Read]:
        # Reads are opened (decrypted) only when the viewer may see them, or to show their own read.
        if hidden_reason(round_, viewer) is None or viewer in round_.reads_in:
            reads = self._rounds.reads(round_.round_id)
            return reads if hidden_reason(round_, viewer) is None else [r for r in reads if r.reader_id == viewer]
        return []

    @staticmethod
    def _require_open_and_unread(round_: Round, reader_id: str) -> None:
        if round_.status is RoundStatus.CLOSED:
            raise Conflict("The round is closed.", code="round_closed")
        if reader_id in round_.reads_in:
            raise Conflict("You have read this round already.", code="already_read")

    @staticmethod
    def _event(doctor: Principal, round_: Round, action: str, outcome: Outcome,
               source: RequestSource) -> AuditEvent:
        return AuditEvent(actor_id=doctor.user_id, role=doctor.role.value, action=action,
                          resource_type="consultation", resource_id=round_.round_id, outcome=outcome,
                          patient_id=round_.patient_id, case_id=round_.case_id, request_id=source.request_id,
                          source_ip=source.source_ip)
