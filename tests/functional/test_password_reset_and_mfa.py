"""A forgotten password through the pool's code flow, an admin's reset, and TOTP sign-in, through the
API and moto's Cognito. Reset codes are read where the local outbox page reads them (moto keeps the
code it would have sent on the account); TOTP codes are computed with pyotp from the secret the API
hands out, as an authenticator app would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pyotp
import pytest

from functions.audit.adapters import AuditModel
from local.outbox import invitations
from tests.functional.conftest import PASSWORD, REGION, World

CHOSEN = "Forearm-calm-again-77!"
ACCOUNT_ID = "123456789012"  # moto's default account


def cognito(world: World) -> Any:
    return boto3.client("cognito-idp", region_name=REGION, endpoint_url=world.endpoint)


def with_email(world: World, username: str) -> None:
    cognito(world).admin_update_user_attributes(
        UserPoolId=world.pool_id, Username=username,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.org"}])


def reset_code(world: World, username: str) -> str:
    codes = [m.code for m in invitations(ACCOUNT_ID, REGION, world.pool_id)
             if m.username == username and m.kind == "reset_code"]
    assert codes, "no reset code in the outbox"
    return codes[0]


def audited(action: str) -> list[Any]:
    return [entry for entry in AuditModel.scan() if entry.action == action]


def test_a_forgotten_password_is_reset_with_the_code_from_the_outbox(world: World) -> None:
    with_email(world, "pat.a")
    asked = world.request("POST", "/auth/forgot-password", body={"username": "pat.a"})
    assert asked.status_code == 202, asked.json_body
    code = reset_code(world, "pat.a")

    weak = world.request("POST", "/auth/reset-password", body={"username": "pat.a", "code": code, "password": "short"})
    assert (weak.status_code, weak.json_body["error"]["code"]) == (400, "weak_password")
    assert weak.json_body["error"]["details"]["unmetRules"] == ["length", "upper", "number", "symbol"]

    wrong = "moto-confirmation-code:000000" if code != "moto-confirmation-code:000000" else "moto-confirmation-code:1"
    refused = world.request("POST", "/auth/reset-password", body={"username": "pat.a", "code": wrong,
                                                                  "password": CHOSEN})
    # moto answers a wrong code as expired (Cognito: CodeMismatch); both are a stable 400.
    assert refused.status_code == 400 and refused.json_body["error"]["code"] in {"code_mismatch", "code_expired"}

    done = world.request("POST", "/auth/reset-password", body={"username": "pat.a", "code": code, "password": CHOSEN})
    assert done.status_code == 200, done.json_body
    assert world.request("POST", "/auth/login", body={"username": "pat.a", "password": CHOSEN}).status_code == 200
    old = world.request("POST", "/auth/login", body={"username": "pat.a", "password": PASSWORD})
    assert old.status_code == 401

    entries = audited("account.password_reset")
    assert [(e.actorId, e.resourceId, e.role) for e in entries] == [
        (world.users["pat.a"].user_id, world.users["pat.a"].user_id, "patient")]
    assert code not in str(entries[0].attribute_values) and CHOSEN not in str(entries[0].attribute_values)


def test_asking_for_a_code_answers_the_same_for_an_unknown_account(world: World) -> None:
    known = world.request("POST", "/auth/forgot-password", body={"username": "pat.b"})
    unknown = world.request("POST", "/auth/forgot-password", body={"username": "no.such.person"})
    assert (known.status_code, known.json_body) == (unknown.status_code, unknown.json_body) == (
        202, {"status": "sent_if_account_exists"})


def test_repeated_code_requests_are_throttled_without_delaying_sign_in(world: World) -> None:
    answers = [world.request("POST", "/auth/forgot-password", body={"username": "pat.b"}).status_code
               for _ in range(6)]
    assert answers == [202] * 5 + [429]
    assert world.request("POST", "/auth/login", body={"username": "pat.b", "password": PASSWORD}).status_code == 200


@pytest.mark.parametrize("path, body", [
    ("/auth/forgot-password", {}),
    ("/auth/forgot-password", {"username": ""}),
    ("/auth/forgot-password", {"username": "pat.a", "extra": 1}),
    ("/auth/reset-password", {"username": "pat.a", "code": "123456"}),
    ("/auth/reset-password", {"username": "pat.a", "code": "12 34", "password": CHOSEN}),
    ("/auth/reset-password", {"username": "pat.a", "code": "1" * 65, "password": CHOSEN}),
    ("/auth/mfa/answer", {"username": "pat.a", "session": "s" * 40, "code": "12345"}),
    ("/auth/mfa/answer", {"username": "pat.a", "session": "short", "code": "123456"}),
])
def test_bad_recovery_input_is_a_clear_400(world: World, path: str, body: dict[str, Any]) -> None:
    answer = world.request("POST", path, body=body)
    assert answer.status_code == 400 and answer.json_body["error"]["code"], answer.json_body


def test_an_admin_resets_a_password_and_the_person_chooses_a_new_one(world: World) -> None:
    session = world.request("POST", "/auth/login", body={"username": "dr.one", "password": PASSWORD}).json_body
    answer = world.request("POST", "/admin/users/dr.one/reset-password", user="ops", body={})
    assert answer.status_code == 200, answer.json_body
    assert answer.json_body == {"userId": world.users["dr.one"].user_id, "username": "dr.one",
                                "status": "FORCE_CHANGE_PASSWORD"}
    # Signed out everywhere: the old refresh token is refused; the old password no longer works.
    refresh = world.request("POST", "/auth/refresh", body={"refreshToken": session["refreshToken"]})
    assert refresh.status_code == 401
    assert world.request("POST", "/auth/login", body={"username": "dr.one", "password": PASSWORD}).status_code == 401
    # The new temporary password is in the invitation (locally: the outbox), and leads to first sign-in.
    with_email(world, "dr.one")
    invitation = [m for m in invitations(ACCOUNT_ID, REGION, world.pool_id) if m.username == "dr.one"]
    temporary = invitation[0].text.split("temporary password is ")[1].split(". Sign in")[0]
    first = world.request("POST", "/auth/login", body={"username": "dr.one", "password": temporary})
    assert (first.status_code, first.json_body["error"]["code"]) == (401, "password_change_required")
    entries = audited("account.reset_password")
    assert [(e.actorId, e.resourceId) for e in entries] == [(world.users["ops"].user_id,
                                                             world.users["dr.one"].user_id)]
    assert temporary not in str(entries[0].attribute_values)


@pytest.mark.parametrize("user, status", [("pat.a", 403), ("dr.two", 403), (None, 401)])
def test_only_admins_reset_passwords(world: World, user: str | None, status: int) -> None:
    answer = world.request("POST", "/admin/users/dr.one/reset-password", user=user, body={})
    assert answer.status_code == status
    assert world.request("POST", "/auth/login", body={"username": "dr.one", "password": PASSWORD}).status_code == 200


def test_resetting_an_unknown_account_is_404(world: World) -> None:
    answer = world.request("POST", "/admin/users/no.such.person/reset-password", user="ops", body={})
    assert (answer.status_code, answer.json_body["error"]["code"]) == (404, "account_not_found")
    bad = world.request("POST", "/admin/users/X/reset-password", user="ops", body={})
    assert bad.status_code == 400


@pytest.fixture
def totp_checked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # moto accepts any TOTP code unless told to check them (the server thread reads this per call).
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
    yield


def test_a_doctor_enrols_an_authenticator_and_signs_in_with_its_code(world: World, totp_checked: None) -> None:
    setup = world.request("POST", "/auth/mfa/setup", user="dr.one")
    assert setup.status_code == 200, setup.json_body
    secret = setup.json_body["secret"]
    assert setup.json_body["otpauthUri"] == f"otpauth://totp/DermaFollow%3Adr.one?secret={secret}&issuer=DermaFollow"
    totp = pyotp.TOTP(secret)
    wrong = str((int(totp.now()) + 500_000) % 1_000_000).zfill(6)
    bad = world.request("POST", "/auth/mfa/verify", user="dr.one", body={"code": wrong})
    assert (bad.status_code, bad.json_body["error"]["code"]) == (400, "code_mismatch")
    verified = world.request("POST", "/auth/mfa/verify", user="dr.one", body={"code": totp.now()})
    assert verified.status_code == 200, verified.json_body

    challenged = world.request("POST", "/auth/login", body={"username": "dr.one", "password": PASSWORD})
    assert (challenged.status_code, challenged.json_body["error"]["code"]) == (401, "mfa_required")
    session = challenged.json_body["error"]["details"]["session"]
    refused = world.request("POST", "/auth/mfa/answer", body={"username": "dr.one", "session": session, "code": wrong})
    assert (refused.status_code, refused.json_body["error"]["code"]) == (400, "code_mismatch")
    done = world.request("POST", "/auth/mfa/answer", body={"username": "dr.one", "session": session,
                                                           "code": totp.now()})
    assert done.status_code == 200, done.json_body
    assert done.json_body["me"]["username"] == "dr.one" and done.json_body["accessToken"]
    assert [e.actorId for e in audited("account.mfa_enrol")] == [world.users["dr.one"].user_id]
    assert secret not in str([e.attribute_values for e in audited("account.mfa_enrol")])


def test_enrolment_needs_a_signed_in_person_and_a_six_digit_code(world: World) -> None:
    assert world.request("POST", "/auth/mfa/setup").status_code == 401
    assert world.request("POST", "/auth/mfa/verify", body={"code": "123456"}).status_code == 401
    for body in ({}, {"code": "12345"}, {"code": "abcdef"}, {"code": "123456", "x": 1}):
        assert world.request("POST", "/auth/mfa/verify", user="pat.a", body=body).status_code == 400, body
    # Verifying before any setup: a clear answer, not a 500.
    early = world.request("POST", "/auth/mfa/verify", user="pat.a", body={"code": "123456"})
    assert early.status_code < 500, early.json_body
    expired = world.request("POST", "/auth/mfa/answer", body={"username": "pat.a", "session": "forged-" * 8,
                                                              "code": "123456"})
    assert (expired.status_code, expired.json_body["error"]["code"]) == (401, "sign_in_expired"), expired.json_body


def test_staff_without_an_authenticator_are_asked_to_set_one_up_where_required(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.bootstrap import reset_container

    monkeypatch.setenv("MFA_REQUIRED_ROLES", "doctor,admin")
    reset_container()
    doctor = world.request("POST", "/auth/login", body={"username": "dr.one", "password": PASSWORD}).json_body
    patient = world.request("POST", "/auth/login", body={"username": "pat.a", "password": PASSWORD}).json_body
    assert doctor.get("mfaSetupRequired") is True and "mfaSetupRequired" not in patient


def test_staff_without_an_authenticator_may_only_enrol_until_they_have_one(
        world: World, monkeypatch: pytest.MonkeyPatch, totp_checked: None) -> None:
    from functions.bootstrap import reset_container

    monkeypatch.setenv("MFA_REQUIRED_ROLES", "doctor,admin")
    reset_container()
    case = world.cases["a"]
    for user, path in (("dr.one", f"/cases/{case}"), ("dr.one", "/cases"), ("ops", "/admin/users")):
        refused = world.request("GET", path, user=user)
        assert (refused.status_code, refused.json_body["error"]["code"]) == (403, "mfa_setup_required"), path
    ticket = world.request("POST", "/ws/tickets", user="dr.one", body={})
    assert (ticket.status_code, ticket.json_body["error"]["code"]) == (403, "mfa_setup_required")
    # Patients are not asked; the doctor may still see who they are and enrol.
    assert world.request("GET", f"/cases/{case}", user="pat.a").status_code == 200
    assert world.request("GET", "/me", user="dr.one").status_code == 200

    setup = world.request("POST", "/auth/mfa/setup", user="dr.one")
    assert setup.status_code == 200, setup.json_body
    code = pyotp.TOTP(setup.json_body["secret"]).now()
    assert world.request("POST", "/auth/mfa/verify", user="dr.one", body={"code": code}).status_code == 200
    # The same session works at once, without signing in again.
    opened = world.request("GET", f"/cases/{case}", user="dr.one")
    assert opened.status_code == 200, opened.json_body
    # Where no role requires it, nobody is asked.
    monkeypatch.setenv("MFA_REQUIRED_ROLES", "")
    reset_container()
    assert world.request("GET", "/admin/users", user="ops").status_code == 200
