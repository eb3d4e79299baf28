"""Connect tickets and the per-case access policy, with in-memory stores."""

from __future__ import annotations

import pytest

from functions.access.ports import AccessRefusal, Grant, GrantKind, GrantPage
from functions.access.service import AccessPolicy
from functions.identity.ports import StoredTicket
from functions.identity.service import ConnectTicketService, hash_ticket
from functions.shared.auth import Principal, Role
from functions.shared.errors import Forbidden, NotFound, Unauthenticated, ValidationError


class MemoryTickets:
    def __init__(self) -> None:
        self.items: dict[str, StoredTicket] = {}

    def put(self, ticket: StoredTicket) -> None:
        self.items[ticket.ticket_hash] = ticket

    def take(self, ticket_hash: str) -> StoredTicket | None:
        return self.items.pop(ticket_hash, None)


class MemoryGrants:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Grant] = {}

    def get(self, case_id: str, principal_id: str) -> Grant | None:
        return self.items.get((case_id, principal_id))

    def for_case(self, case_id: str) -> list[Grant]:
        return [g for (c, _), g in self.items.items() if c == case_id]

    def for_principal(self, principal_id: str, limit: int, cursor: str | None) -> GrantPage:
        return GrantPage([g for (_, p), g in sorted(self.items.items()) if p == principal_id][:limit], None)

    def put(self, grant: Grant) -> None:
        self.items[(grant.case_id, grant.principal_id)] = grant


PATIENT = Principal("p1", "pat", frozenset({Role.PATIENT}))
OTHER_PATIENT = Principal("p2", "pat2", frozenset({Role.PATIENT}))
DOCTOR = Principal("d1", "doc", frozenset({Role.DOCTOR}))
COLLEAGUE = Principal("d2", "doc2", frozenset({Role.DOCTOR}))
ADMIN = Principal("a1", "ops", frozenset({Role.ADMIN}))


def test_ticket_is_stored_hashed_and_redeemed_once() -> None:
    store = MemoryTickets()
    service = ConnectTicketService(store, 60, clock=lambda: 1000.0)
    issued = service.issue(PATIENT)
    assert issued.ticket not in store.items and hash_ticket(issued.ticket) in store.items
    assert service.redeem(issued.ticket) == PATIENT
    with pytest.raises(Unauthenticated) as caught:
        service.redeem(issued.ticket)
    assert caught.value.code == "ticket_invalid"


def test_expired_ticket_is_refused_and_consumed() -> None:
    store = MemoryTickets()
    now = [1000.0]
    service = ConnectTicketService(store, 60, clock=lambda: now[0])
    ticket = service.issue(PATIENT).ticket
    now[0] += 61
    with pytest.raises(Unauthenticated) as caught:
        service.redeem(ticket)
    assert caught.value.code == "ticket_expired" and not store.items


@pytest.mark.parametrize("ticket", [None, "", "x" * 129])
def test_missing_or_absurd_ticket_is_refused(ticket: str | None) -> None:
    with pytest.raises(Unauthenticated):
        ConnectTicketService(MemoryTickets(), 60).redeem(ticket)


class RecordedRefusals:
    def __init__(self) -> None:
        self.refusals: list[AccessRefusal] = []

    def refused(self, refusal: AccessRefusal) -> None:
        self.refusals.append(refusal)


def _policy(now: float = 1000.0, refusals: RecordedRefusals | None = None) -> tuple[AccessPolicy, MemoryGrants]:
    grants = MemoryGrants()
    policy = AccessPolicy(grants, clock=lambda: now, refusals=refusals)
    policy.open_case("c1", PATIENT.user_id, [DOCTOR.user_id], granted_by="seed")
    return policy, grants


def test_owner_and_assigned_doctor_have_access() -> None:
    policy, _ = _policy()
    assert policy.require_case(PATIENT, "c1").kind is GrantKind.OWNER
    assert policy.require_case(DOCTOR, "c1").kind is GrantKind.ASSIGNED


@pytest.mark.parametrize("principal", [OTHER_PATIENT, COLLEAGUE, ADMIN])
def test_everyone_else_gets_not_found(principal: Principal) -> None:
    policy, _ = _policy()
    with pytest.raises(NotFound):
        policy.require_case(principal, "c1")


def test_a_doctor_grant_does_not_serve_a_patient_only_account() -> None:
    policy, grants = _policy()
    grants.put(Grant("c1", "p2", GrantKind.ASSIGNED, "x", "t"))
    with pytest.raises(NotFound):
        policy.require_case(OTHER_PATIENT, "c1")


def test_invitation_expires() -> None:
    policy, grants = _policy(now=1000.0)
    policy.invite(DOCTOR, "c1", COLLEAGUE.user_id, hours=1)
    assert policy.require_case(COLLEAGUE, "c1").kind is GrantKind.INVITED
    later = AccessPolicy(grants, clock=lambda: 1000.0 + 3601)
    with pytest.raises(NotFound):
        later.require_case(COLLEAGUE, "c1")
    assert [g.kind for g in later.grants_of("c1")] == [GrantKind.OWNER, GrantKind.ASSIGNED]


def test_only_assigned_doctors_invite() -> None:
    policy, _ = _policy()
    with pytest.raises(NotFound):
        policy.invite(COLLEAGUE, "c1", "d3", hours=1)
    policy.invite(DOCTOR, "c1", COLLEAGUE.user_id, hours=1)
    with pytest.raises(Forbidden):
        policy.invite(COLLEAGUE, "c1", "d3", hours=1)


@pytest.mark.parametrize("hours", [0, 721])
def test_invitation_length_is_bounded(hours: int) -> None:
    policy, _ = _policy()
    with pytest.raises(ValidationError):
        policy.invite(DOCTOR, "c1", COLLEAGUE.user_id, hours=hours)


def test_cannot_downgrade_an_assigned_doctor_to_invited() -> None:
    policy, _ = _policy()
    policy.open_case("c2", PATIENT.user_id, [DOCTOR.user_id, COLLEAGUE.user_id], granted_by="seed")
    with pytest.raises(ValidationError):
        policy.invite(DOCTOR, "c2", COLLEAGUE.user_id, hours=1)


# --- refusals are recorded (the container records them in the audit trail) ---------------------------
def test_a_refusal_is_recorded_with_the_refused_action_and_the_case_owner() -> None:
    recorded = RecordedRefusals()
    policy, _ = _policy(refusals=recorded)
    with pytest.raises(NotFound):
        policy.require_case(OTHER_PATIENT, "c1", action="photo.list")
    assert recorded.refusals == [AccessRefusal(OTHER_PATIENT, "photo.list", "case", "c1", "c1", PATIENT.user_id)]


def test_a_refusal_for_a_case_that_does_not_exist_names_no_patient() -> None:
    recorded = RecordedRefusals()
    policy, _ = _policy(refusals=recorded)
    with pytest.raises(NotFound):
        policy.require_case(DOCTOR, "c-missing")
    assert recorded.refusals == [AccessRefusal(DOCTOR, "case.access", "case", "c-missing", "c-missing", None)]


def test_granted_access_and_lookups_record_nothing() -> None:
    recorded = RecordedRefusals()
    policy, _ = _policy(refusals=recorded)
    policy.require_case(PATIENT, "c1")
    policy.require_assigned_doctor(DOCTOR, "c1")
    assert policy.grant_for(OTHER_PATIENT, "c1") is None
    assert policy.grant_for(DOCTOR, "c1") is not None
    assert recorded.refusals == []


def test_an_invited_doctor_refused_an_assigned_only_action_is_recorded() -> None:
    recorded = RecordedRefusals()
    policy, _ = _policy(refusals=recorded)
    policy.invite(DOCTOR, "c1", COLLEAGUE.user_id, hours=1)
    with pytest.raises(Forbidden):
        policy.require_assigned_doctor(COLLEAGUE, "c1", action="case.invite")
    assert [(r.principal, r.action, r.patient_id) for r in recorded.refusals] == [
        (COLLEAGUE, "case.invite", PATIENT.user_id)]


def test_a_route_refused_by_role_is_recorded_against_the_case_it_named() -> None:
    recorded = RecordedRefusals()
    policy, _ = _policy(refusals=recorded)
    policy.refuse_route(ADMIN, "GET /cases/{case_id}", "c1")
    policy.refuse_route(PATIENT, "GET /admin/users", None)
    assert recorded.refusals == [
        AccessRefusal(ADMIN, "route.refused", "route", "GET /cases/{case_id}", "c1", PATIENT.user_id),
        AccessRefusal(PATIENT, "route.refused", "route", "GET /admin/users", None, None),
    ]
