"""Erasing a case by destroying its keys (crypto-shredding), audited.

The case's records, lesions, discussion, consultation rounds and its own condition stay in the
tables as ciphertext; without the case's keys none of it opens again, in any table, backup or copy
of the ciphertext (scoped_keys.py: what survives and for how long). The erasure itself is an entry in
the patient's audit chain: who erased which case, when.
"""

from __future__ import annotations

from collections.abc import Callable

from functions.audit.chain import AuditEvent, Outcome
from functions.crypto.scoped_keys import CaseErased, ErasureReport, ScopedKeys

ERASE_ACTION = "case.erase"


class CaseErasure:
    def __init__(self, keys: ScopedKeys, patient_of: Callable[[str], str | None],
                 record: Callable[[AuditEvent], object]) -> None:
        self._keys = keys
        self._patient_of = patient_of  # the case's patient, while the case still opens
        self._record = record

    def erase(self, operator_id: str, case_id: str) -> ErasureReport:
        try:
            patient_id = self._patient_of(case_id) or ""
        except CaseErased:
            patient_id = ""  # erased before: this run finishes the job and is audited too
        report = self._keys.erase_case(case_id)
        self._record(AuditEvent(
            actor_id=operator_id, role="admin", action=ERASE_ACTION, resource_type="case", resource_id=case_id,
            outcome=Outcome.SUCCESS, patient_id=patient_id, case_id=case_id,
        ))
        return report
