"""The audit trail: append (optionally together with the audited change), query, anchor, verify.

Appending is optimistic: build the next entry on the last known tail of its chain and write it
only if its sequence number is still free; when another append got there first, read the tail
again and retry. The conditional write of the entry itself is what orders appenders, so an audited
read costs one PutItem (no transaction). A change of protected data is committed in the SAME
transaction as its audit entry, so there is never a change without its entry (nor an entry for a
change that failed). Reads are audited before the data leave the service: if the entry cannot be
written, the data are not returned (fail closed).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from functions.access.ports import AccessRefusal
from functions.audit.chain import (
    Anchor,
    AuditEntry,
    AuditEvent,
    ChainHead,
    ChainReport,
    Outcome,
    chain_for,
    chain_names,
    next_entry,
    verify_chain,
)
from functions.audit.ports import AnchorStore, AuditFilter, AuditStore, EntryAuthenticator, HeadMoved
from functions.shared.auth import Principal
from functions.shared.clock import Clock, iso
from functions.shared.errors import DependencyUnavailable
from functions.shared.observability import put_metrics
from functions.shared.request_context import RequestSource, note_audited_cases, request_source
from functions.shared.transact import TransactItem

# Contention on one chain, and why an append retries against a time budget, not 8 attempts.
# A patient's entries all go to one chain, so a burst about ONE patient (the case page firing its
# audited reads in parallel while the patient uploads and scores) contends on one chain whatever
# the number of chains: more chains only spread different patients. With optimistic appends, of N
# appenders racing for the same sequence number one wins per round trip T (a conditional PutItem is
# about 5-10 ms in DynamoDB, a TransactWriteItems 20-30 ms), so the last of N needs N rounds if all
# retry at once: 8 attempts failed as soon as 9 requests raced (bench.api_load: 50 users, 16
# chains). Instead a loser sleeps a random time in a window of (entries others appended during its
# attempt, the measured contention) x (its measured round trip), doubled per consecutive loss and
# capped: N racers then spread over about N round trips and most win their next try. It keeps
# trying for APPEND_BUDGET_SECONDS. One chain so serialised takes about 1/T = 30-100 appends a
# second; the clinic's peak (50 users, about 25 audited requests a second over 16 chains, 1.6 a
# second per chain) uses a few percent of it, and a burst of 24 requests on one chain settles in
# under a second (tests/functional/test_audit_contention.py). Only a chain held at its ceiling for
# the whole budget answers 503 audit_unavailable (alarmed through the AuditUnavailable metric).
APPEND_BUDGET_SECONDS = 8.0  # well inside API Gateway's 29 s; a request waits at most this long
MAX_APPEND_ATTEMPTS = 200  # a bound on the loop whatever the clocks say
MIN_ROUND_TRIP_SECONDS = 0.005  # the floor of a measured round trip (DynamoDB's typical write)
MAX_BACKOFF_SECONDS = 0.5


def entry_view(entry: AuditEntry) -> dict[str, Any]:
    """What an admin sees: ids, actions and outcomes; never clinical content (there is none)."""
    body = entry.body()
    return {
        "chain": entry.chain,
        "seq": entry.seq,
        "at": entry.at,
        "actorId": body["actorId"],
        "role": body["role"],
        "action": body["action"],
        "resource": {"type": body["resourceType"], "id": body["resourceId"], "caseId": body["caseId"] or None},
        "resourceIds": body["resourceIds"],
        "patientId": body["patientId"] or None,
        "source": {"requestId": body["requestId"], "ip": body["sourceIp"]},
        "outcome": body["outcome"],
        "hash": entry.hash,
    }


@dataclass
class VerifyReport:
    chains: list[ChainReport]
    anchors: int

    @property
    def ok(self) -> bool:
        return all(report.ok for report in self.chains)

    def view(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "anchors": self.anchors,
            "entries": sum(r.entries for r in self.chains),
            "chains": [r.view() for r in self.chains],
        }


class AuditTrail:
    def __init__(self, store: AuditStore, anchors: AnchorStore | None, chains: int,
                 clock: Clock = time.time, sleep: Callable[[float], None] = time.sleep,
                 authenticator: EntryAuthenticator | None = None, mac_since: str = "",
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._authenticator = authenticator
        self._mac_since = mac_since
        self._anchors = anchors
        self._chains = chain_names(chains)
        self._clock = clock
        self._sleep = sleep
        self._monotonic = monotonic
        # The last tail this process wrote or read per chain: in steady state an append is one
        # write, without reading the tail first.
        self._tails: dict[str, ChainHead] = {}
        self._lock = threading.Lock()

    @property
    def chains(self) -> list[str]:
        return list(self._chains)

    def record(self, event: AuditEvent, staged: Sequence[TransactItem] = ()) -> AuditEntry:
        """Append an entry (with `staged` writes in the same transaction); returns it.

        StagedWriteRejected passes through: the staged change conflicted and nothing was written.
        """
        try:
            entry = self._append(event, staged)
        except DependencyUnavailable:
            # The request that needed this entry fails (no entry, no data): operations must know.
            put_metrics({"AuditUnavailable": 1})
            raise
        if event.outcome is Outcome.SUCCESS:
            # The route that asked has now audited these cases; the entrypoint adds no second entry.
            note_audited_cases((event.case_id, *(event.resource_ids if event.resource_type == "case" else ())))
        return entry

    def _append(self, event: AuditEvent, staged: Sequence[TransactItem]) -> AuditEntry:
        chain = chain_for(event.patient_id or event.actor_id, len(self._chains))
        deadline = self._monotonic() + APPEND_BUDGET_SECONDS
        losses = 0  # consecutive attempts lost to other appenders
        contention = 1  # entries others appended since our last lost attempt began
        contention_base = 0
        round_trip = MIN_ROUND_TRIP_SECONDS
        for _ in range(MAX_APPEND_ATTEMPTS):
            with self._lock:
                known = self._tails.get(chain)
            tail = known if known is not None else self._store.tail(chain)
            if losses:
                # How many got in since our last try: the number of appenders we are racing.
                contention = max(1, (tail.seq if tail else 0) - contention_base)
            entry = next_entry(chain, tail, event, iso(self._clock(), "microseconds"))
            if self._authenticator is not None:
                entry = replace(entry, mac=self._authenticator.mac(entry.hash.encode()))
            started = self._monotonic()
            try:
                self._store.commit(entry, staged)
            except HeadMoved:
                round_trip = max(MIN_ROUND_TRIP_SECONDS, self._monotonic() - started)
                with self._lock:
                    self._tails.pop(chain, None)
                contention_base = entry.seq - 1
                if known is not None and not losses:
                    # Our cached tail was stale (another container appended): not contention yet.
                    continue
                losses += 1
                window = min(MAX_BACKOFF_SECONDS, round_trip * contention * 2 ** min(losses - 1, 6))
                pause = random.uniform(0, window)
                if self._monotonic() + pause >= deadline:
                    break
                self._sleep(pause)
                continue
            with self._lock:
                self._tails[chain] = ChainHead(chain, entry.seq, entry.hash)
            return entry
        raise DependencyUnavailable("The audit trail is busy; try again.", code="audit_unavailable")

    def for_patient(self, admin: Principal, patient_id: str, limit: int, cursor: str | None,
                    source: RequestSource, only: AuditFilter | None = None) -> dict[str, Any]:
        """A patient's audit entries for operations; the query is itself audited."""
        page = self._store.for_patient(patient_id, limit, cursor, only)
        self.record(AuditEvent(
            actor_id=admin.user_id, role=admin.role.value, action="audit.query", resource_type="patient",
            resource_id=patient_id, outcome=Outcome.SUCCESS, patient_id=patient_id,
            request_id=source.request_id, source_ip=source.source_ip,
        ))
        return {"items": [entry_view(entry) for entry in page.entries], "nextCursor": page.cursor}

    def anchor(self) -> Anchor:
        """Write every chain's tail (seq and hash) to the write-once anchor store."""
        if self._anchors is None:
            raise DependencyUnavailable("No audit anchor bucket is configured.", code="anchor_not_configured")
        tails = {chain: tail for chain in self._chains if (tail := self._store.tail(chain)) is not None}
        anchor = Anchor(at=iso(self._clock(), "microseconds"), heads=tails)
        key = self._anchors.put(anchor)
        return Anchor(anchor.at, anchor.heads, key)

    def verify(self, chains: Sequence[str] | None = None, *, use_anchors: bool = True) -> VerifyReport:
        """Walk every chain from its first entry; report the first bad entry of each."""
        anchors = list(self._anchors.all()) if (use_anchors and self._anchors is not None) else []
        selected = list(chains) if chains else self._chains
        heads = self._store.heads(selected)
        authenticator = self._authenticator
        mac_valid = (lambda entry: authenticator.valid(entry.hash.encode(), entry.mac)) if authenticator else None
        reports = [
            verify_chain(chain, self._store.entries(chain), heads.get(chain), anchors, mac_valid=mac_valid,
                         mac_since=self._mac_since)
            for chain in selected
        ]
        return VerifyReport(reports, len(anchors))


class CaseReadAuditor:
    """Case reads into the audit trail: one entry per patient whose cases a request disclosed."""

    def __init__(self, trail: AuditTrail) -> None:
        self._trail = trail

    def case_read(self, principal: Principal, action: str, cases: tuple[tuple[str, str], ...], outcome: str,
                  request_id: str, source_ip: str) -> None:
        by_patient: dict[str, list[str]] = {}
        for case_id, patient_id in cases:
            by_patient.setdefault(patient_id, []).append(case_id)
        for patient_id, case_ids in by_patient.items():
            self._trail.record(AuditEvent(
                actor_id=principal.user_id, role=principal.role.value, action=action, resource_type="case",
                resource_id=case_ids[0], outcome=Outcome(outcome), patient_id=patient_id,
                case_id=case_ids[0] if len(case_ids) == 1 else "", resource_ids=tuple(case_ids),
                request_id=request_id, source_ip=source_ip,
            ))


    def access_changed(self, principal: Principal, action: str, case_id: str, patient_id: str, grantee_id: str,
                       request_id: str, source_ip: str) -> None:
        self._trail.record(AuditEvent(
            actor_id=principal.user_id, role=principal.role.value, action=action, resource_type="grant",
            resource_id=grantee_id, outcome=Outcome.SUCCESS, patient_id=patient_id, case_id=case_id,
            request_id=request_id, source_ip=source_ip,
        ))


class AccessRefusalAuditor:
    """Refused attempts to reach a case (or a route the caller's role may not use) into the audit
    trail, in the patient's chain when the case has one: a patient's trail shows who tried."""

    def __init__(self, trail: Callable[[], AuditTrail]) -> None:
        self._trail = trail  # built on the first refusal: most requests are never refused

    def refused(self, refusal: AccessRefusal) -> None:
        put_metrics({"AccessRefused": 1})  # a burst of refusals is someone probing ids: an alarm
        source = request_source()
        principal = refusal.principal
        # An account in no group is refused everything; its entry still needs a role.
        role = principal.role.value if principal.roles else "none"
        self._trail().record(AuditEvent(
            actor_id=principal.user_id, role=role, action=refusal.action,
            resource_type=refusal.resource_type, resource_id=refusal.resource_id,
            # A refused route is a denial whatever it named; a refused case is "not found" only when
            # there is no such case.
            outcome=Outcome.DENIED if refusal.patient_id or refusal.resource_type == "route" else Outcome.NOT_FOUND,
            patient_id=refusal.patient_id or "", case_id=refusal.case_id or "",
            request_id=source.request_id, source_ip=source.source_ip,
        ))
