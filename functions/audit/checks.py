"""The audit trail checked on a schedule, and the last result for the operations screen.

`verify` walks every chain against its head marker, the entry MACs and every anchor version; run by
hand it is an operator's command (functions/audit/cli.py). Run hourly by a function of its own (the
only role allowed kms:VerifyMac and to read the anchors), a rewritten or truncated trail is found
within the hour, not at the next audit: a failed run counts `AuditVerifyFailed`, which alarms.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from functions.audit.chain import chain_for
from functions.audit.service import AuditTrail
from functions.shared.clock import Clock, iso
from functions.shared.observability import put_metrics

# Kept long enough to show a quarter's history of checks; a run is a few hundred bytes.
KEEP_CHECKS_SECONDS = 90 * 86_400


class ChainCheckStore(Protocol):
    def save(self, at: str, report: dict[str, Any], expires_at_epoch: int) -> None: ...

    def latest(self) -> tuple[str, dict[str, Any]] | None:
        """(when, the report) of the newest run, or None before the first."""
        ...


class ChainChecks:
    def __init__(self, trail: AuditTrail, store: ChainCheckStore, clock: Clock = time.time) -> None:
        self._trail = trail
        self._store = store
        self._clock = clock

    def run(self) -> dict[str, Any]:
        """Verify every chain now, keep the result, and count a failure for the alarm."""
        now = self._clock()
        report = self._trail.verify().view()
        self._store.save(iso(now, "microseconds"), report, int(now) + KEEP_CHECKS_SECONDS)
        put_metrics({"AuditVerifyFailed": 0 if report["ok"] else 1})
        return report

    def status_of_patient(self, patient_id: str) -> dict[str, Any]:
        """What the last run found for the chain holding `patient_id`'s entries."""
        chain = chain_for(patient_id, len(self._trail.chains))
        latest = self._store.latest()
        if latest is None:
            return {"chain": chain, "checkedAt": None}
        at, report = latest
        found = next((c for c in report.get("chains", []) if c.get("chain") == chain), None)
        if found is None:
            return {"chain": chain, "checkedAt": at, "ok": report.get("ok", False), "entries": 0}
        return {**found, "checkedAt": at}
