"""Refusals into the audit trail: outcome, patient chain and request source of each entry."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from functions.access.ports import AccessRefusal
from functions.audit.chain import AuditEvent, Outcome
from functions.audit.service import AccessRefusalAuditor
from functions.shared.auth import Principal, Role
from functions.shared.request_context import RequestSource, request_source, set_request_source

DOCTOR = Principal("dr-two", "dr.two", frozenset({Role.DOCTOR}))
PATIENT = Principal("pat-a", "pat.a", frozenset({Role.PATIENT}))


class RecordingTrail:
    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def record(self, event: AuditEvent, staged: Sequence[Any] = ()) -> None:
        self.events.append(event)


def audited(refusal: AccessRefusal) -> AuditEvent:
    trail = RecordingTrail()
    AccessRefusalAuditor(lambda: trail).refused(refusal)  # type: ignore[arg-type, return-value]
    (event,) = trail.events
    return event


def test_a_refused_case_is_denied_in_its_patients_chain_with_the_request_source() -> None:
    set_request_source(RequestSource("req-7", "198.51.100.4"))
    event = audited(AccessRefusal(DOCTOR, "photo.list", "case", "case-1", "case-1", "pat-a"))
    assert (event.outcome, event.patient_id, event.case_id, event.action) == (Outcome.DENIED, "pat-a", "case-1",
                                                                              "photo.list")
    assert (event.actor_id, event.role, event.request_id, event.source_ip) == ("dr-two", "doctor", "req-7",
                                                                               "198.51.100.4")


def test_each_refusal_counts_towards_the_probing_alarm(capsys: pytest.CaptureFixture[str]) -> None:
    audited(AccessRefusal(DOCTOR, "case.read", "case", "case-1", "case-1", "pat-a"))
    (line,) = [line for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    record = json.loads(line)
    assert record["AccessRefused"] == 1 and record["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "DermaFollow"


def test_a_case_that_does_not_exist_is_not_found_and_names_no_patient() -> None:
    event = audited(AccessRefusal(DOCTOR, "case.read", "case", "case-x", "case-x", None))
    assert (event.outcome, event.patient_id) == (Outcome.NOT_FOUND, "")


def test_a_refused_route_is_denied_even_when_it_named_no_case() -> None:
    event = audited(AccessRefusal(PATIENT, "route.refused", "route", "GET /admin/users", None, None))
    assert (event.outcome, event.resource_type, event.resource_id) == (Outcome.DENIED, "route", "GET /admin/users")


def test_without_an_entrypoint_the_source_is_blank_not_the_previous_callers() -> None:
    import contextvars

    fresh = contextvars.Context()
    assert fresh.run(request_source) == RequestSource()


def test_an_account_in_no_group_is_recorded_with_role_none() -> None:
    # The authorizer refuses such accounts first; should one get this far, the refusal still goes in.
    nobody = Principal("nobody-1", "nobody", frozenset())
    event = audited(AccessRefusal(nobody, "route.refused", "route", "GET /cases", None, None))
    assert (event.actor_id, event.role, event.outcome) == ("nobody-1", "none", Outcome.DENIED)
