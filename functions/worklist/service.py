"""What needs a doctor on their home page: new photos and scores from their patients since they last
reviewed each case, scores that worsened by a clinically meaningful amount (the score's own
`mcid_worsened` flag, docs/api.md), and lesions whose measured change is meaningful (area +-20% or
redness beyond repeatability, functions/lesionmetrics/measure.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

from functions.access.ports import GrantKind
from functions.access.service import AccessPolicy
from functions.shared.auth import Principal
from functions.shared.clock import Clock, iso
from functions.timeline.ports import EventType
from functions.worklist.ports import RecentEvents, ReviewMarks

# A case never reviewed counts what arrived in the last 14 days (the usual follow-up interval), not
# its whole history.
UNREVIEWED_LOOKBACK = timedelta(days=14)
EVENTS_PER_CASE = 200
MAX_CASES = 500
# The reads awaiting a doctor: one Query per case the doctor may read now, on the rounds table's case
# partition (a case holds a handful of rounds: one page, ~5 ms and 0.5 RCU each), rather than a reader
# index. An index would need one marker item per reader and round, written at opening and removed at
# the read and at closing, and a GSI; it pays off past ~1,000 cases per doctor, while a dermatologist
# follows a few hundred. So the walk goes through the doctor's grants a page of 50 cases at a time and
# stops after the page on which `limit` rounds were found, or after 200 cases (~1 s of Queries at
# worst): a `nextCursor` (the grants' own cursor) continues from there, so a doctor with 500 cases
# costs three requests at most, each bounded.
ROUND_CASES_PER_PAGE = 50
ROUND_CASES_PER_REQUEST = 200


class CaseReads(Protocol):
    def case_read(self, principal: Principal, action: str, cases: tuple[tuple[str, str], ...], outcome: str,
                  request_id: str, source_ip: str) -> None: ...


class Names(Protocol):
    def profiles_of(self, user_ids: list[str]) -> dict[str, Any]: ...


class Conditions(Protocol):
    def get_many(self, case_ids: list[str]) -> list[Any]: ...


class AwaitingRounds(Protocol):
    def awaiting(self, case_id: str, reader_id: str) -> list[Any]:
        """The case's open consultation rounds the reader has not read yet (consultation's Round)."""
        ...


class WorklistService:
    def __init__(self, access: AccessPolicy, marks: ReviewMarks, events: RecentEvents, reads: CaseReads,
                 names: Names, conditions: Conditions, clock: Clock = time.time, *,
                 questions: Callable[[str, str, bytes | None], str | None] | None = None,
                 lesion_changes: Callable[[str, str], list[str]] | None = None,
                 rounds: AwaitingRounds | None = None) -> None:
        self._questions = questions
        self._lesion_changes = lesion_changes
        self._rounds = rounds
        self._access = access
        self._marks = marks
        self._events = events
        self._reads = reads
        self._names = names
        self._conditions = conditions
        self._clock = clock

    def mark_reviewed(self, doctor: Principal, case_id: str) -> dict[str, Any]:
        self._access.require_case(doctor, case_id, action="case.review")
        at = iso(self._clock(), "milliseconds")
        self._marks.mark(doctor.user_id, case_id, at)
        return {"caseId": case_id, "reviewedAt": at}

    def activity(self, doctor: Principal, *, request_id: str = "", source_ip: str = "") -> dict[str, Any]:
        """One row per case with something new from someone else since the doctor's review mark,
        newest first."""
        marks = self._marks.marks_of(doctor.user_id)
        default_since = iso(self._clock() - UNREVIEWED_LOOKBACK.total_seconds(), "milliseconds")
        rows: list[dict[str, Any]] = []
        owners: dict[str, str] = {}
        for case_id in self._access.all_visible_case_ids(doctor, MAX_CASES):
            since = marks.get(case_id, default_since)
            photos = scores = 0
            worsened: list[str] = []
            latest = ""
            for event in self._events.after(case_id, since, EVENTS_PER_CASE):
                if event.actor_id == doctor.user_id:
                    continue
                if event.type is EventType.PHOTO and not event.summary.get("removed"):
                    photos += 1
                elif event.type is EventType.SCORE:
                    scores += 1
                    if "mcid_worsened" in (event.summary.get("flags") or []):
                        worsened.append(str(event.summary.get("instrument", "")))
                else:
                    continue
                latest = max(latest, event.occurred_at)
            if photos or scores:
                owner = self._access.owner_of(case_id) or ""
                owners[case_id] = owner
                # A measurement follows a new photo, so only cases with new photos can have one.
                changed = self._lesion_changes(case_id, since) if photos and self._lesion_changes else []
                rows.append({"caseId": case_id, "patientId": owner, "newPhotos": photos, "newScores": scores,
                             "worsened": sorted(set(worsened)), "changedLesions": changed, "latestAt": latest,
                             "reviewedAt": marks.get(case_id)})
        if not rows:
            return {"items": []}
        names = self._names.profiles_of(sorted(set(owners.values())))
        conditions = {c.case_id: c.condition for c in self._conditions.get_many(sorted(owners))}
        for row in rows:
            row["patientName"] = getattr(names.get(row["patientId"]), "name", None)
            row["condition"] = conditions.get(row["caseId"])
        self._reads.case_read(doctor, "worklist.activity", tuple(sorted(owners.items())), "success", request_id,
                              source_ip)
        # Worsening (a score, or a lesion's measured change) first, then the newest.
        worse = [r for r in rows if r["worsened"] or r["changedLesions"]]
        rest = [r for r in rows if not (r["worsened"] or r["changedLesions"])]
        return {"items": sorted(worse, key=lambda r: r["latestAt"], reverse=True)
                + sorted(rest, key=lambda r: r["latestAt"], reverse=True)}

    def consults(self, doctor: Principal, *, request_id: str = "", source_ip: str = "") -> dict[str, Any]:
        """The cases a colleague asked this doctor to look at (live invitations), newest first: who
        asked, whose case, until when. The consultation's reads join this list once they exist."""
        now = int(self._clock())
        grants: list[Any] = []
        cursor: str | None = None
        while len(grants) < MAX_CASES:
            page = self._access.visible_case_ids(doctor, 100, cursor)
            grants += [g for g in page.grants if g.kind is GrantKind.INVITED and g.active(now)]
            cursor = page.cursor
            if cursor is None:
                break
        if not grants:
            return {"items": []}
        owners = {g.case_id: self._access.owner_of(g.case_id) or "" for g in grants}
        names = self._names.profiles_of(sorted({*owners.values(), *(g.granted_by for g in grants)}))
        conditions = {c.case_id: c.condition for c in self._conditions.get_many(sorted(owners))}
        # Blinded: nothing of the other readers (not even how many), as the round itself shows a reader.
        items = [{
            "caseId": g.case_id, "patientId": owners[g.case_id],
            "patientName": getattr(names.get(owners[g.case_id]), "name", None),
            "condition": conditions.get(g.case_id),
            "invitedBy": g.granted_by, "invitedByName": getattr(names.get(g.granted_by), "name", None),
            "invitedAt": g.granted_at,
            "until": iso(g.expires_at_epoch) if g.expires_at_epoch is not None else None,
            "question": self._questions(g.case_id, g.principal_id, g.question) if self._questions else None,
            "answer": g.answer or "pending",
        } for g in grants]
        self._reads.case_read(doctor, "worklist.consults", tuple(sorted(owners.items())), "success", request_id,
                              source_ip)
        return {"items": sorted(items, key=lambda item: item["invitedAt"], reverse=True)}

    def reads_awaiting(self, doctor: Principal, limit: int, cursor: str | None, *, request_id: str = "",
                       source_ip: str = "") -> dict[str, Any]:
        """The consultation rounds waiting for this doctor's read: open, on a case the doctor may read
        now (assigned, or invited with a live grant), naming them as a reader who has not read; oldest
        first within a page (the longest waiting first), paged over the doctor's cases."""
        if self._rounds is None:
            return {"items": [], "nextCursor": None}
        found: list[tuple[Any, str]] = []  # (round, patient)
        scanned = 0
        while True:
            page = self._access.visible_case_ids(doctor, ROUND_CASES_PER_PAGE, cursor)
            for grant in page.grants:
                if grant.kind is GrantKind.OWNER:  # a doctor who is also a patient: not a reader there
                    continue
                found += [(r, r.patient_id) for r in self._rounds.awaiting(grant.case_id, doctor.user_id)]
            scanned += ROUND_CASES_PER_PAGE  # grants read, expired ones included
            cursor = page.cursor
            if cursor is None or len(found) >= limit or scanned >= ROUND_CASES_PER_REQUEST:
                break
        if not found:
            return {"items": [], "nextCursor": cursor}
        cases = sorted({(r.case_id, patient) for r, patient in found})
        names = self._names.profiles_of(sorted({patient for _, patient in cases} | {r.lead_id for r, _ in found}))
        conditions = {c.case_id: c.condition for c in self._conditions.get_many(sorted({c for c, _ in cases}))}
        # Blinded: nothing of the other readers (not even how many), as the round itself shows a reader.
        items = [{
            "caseId": r.case_id, "roundId": r.round_id, "patientId": patient,
            "patientName": getattr(names.get(patient), "name", None), "condition": conditions.get(r.case_id),
            "leadId": r.lead_id, "leadName": getattr(names.get(r.lead_id), "name", None),
            "question": r.question, "openedAt": r.opened_at,
        } for r, patient in found]
        self._reads.case_read(doctor, "worklist.reads", tuple(cases), "success", request_id, source_ip)
        # The round id starts with the opening time in milliseconds: it breaks ties within a second.
        return {"items": sorted(items, key=lambda item: (item["openedAt"], item["roundId"])), "nextCursor": cursor}
