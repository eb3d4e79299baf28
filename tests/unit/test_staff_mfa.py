"""The staff two-step sign-in rule: who is asked, what they may still do, and what is remembered."""

from __future__ import annotations

import pytest

from functions.identity.staff_mfa import ENROLLED_TTL_SECONDS, StaffMfaGate
from functions.shared.auth import Principal, Role
from functions.shared.errors import Forbidden


class Directory:
    def __init__(self) -> None:
        self.enrolled: set[str] = set()
        self.reads = 0

    def has_authenticator(self, username: str) -> bool:
        self.reads += 1
        return username in self.enrolled


class Clock:
    now = 1_000.0

    def __call__(self) -> float:
        return self.now


def person(username: str, *roles: Role) -> Principal:
    return Principal(user_id=f"id-{username}", username=username, roles=frozenset(roles))


def test_a_doctor_without_an_authenticator_may_only_enrol() -> None:
    directory = Directory()
    gate = StaffMfaGate(("doctor", "admin"), directory, Clock())
    doctor = person("dr.one", Role.DOCTOR)
    with pytest.raises(Forbidden) as refused:
        gate.check(doctor, "GET /cases")
    assert refused.value.code == "mfa_setup_required"
    for route in ("GET /me", "POST /auth/mfa/setup", "POST /auth/mfa/verify"):
        gate.check(doctor, route)


def test_roles_not_required_are_never_looked_up() -> None:
    directory = Directory()
    gate = StaffMfaGate(("doctor",), directory, Clock())
    gate.check(person("pat.a", Role.PATIENT), "GET /cases")
    gate.check(person("ops", Role.ADMIN), "GET /admin/users")
    assert directory.reads == 0
    with pytest.raises(Forbidden):  # a doctor who is also a patient is still a doctor
        gate.check(person("dr.pat", Role.PATIENT, Role.DOCTOR), "GET /cases")


def test_an_enrolment_is_remembered_for_five_minutes_and_a_missing_one_never() -> None:
    directory, clock = Directory(), Clock()
    gate = StaffMfaGate(("doctor",), directory, clock)
    doctor = person("dr.one", Role.DOCTOR)
    with pytest.raises(Forbidden):
        gate.check(doctor, "GET /cases")
    directory.enrolled.add("dr.one")
    gate.check(doctor, "GET /cases")  # right after enrolling: not refused from memory
    reads = directory.reads
    clock.now += ENROLLED_TTL_SECONDS - 1
    gate.check(doctor, "GET /cases")
    assert directory.reads == reads
    clock.now += 2
    gate.check(doctor, "GET /cases")
    assert directory.reads == reads + 1
