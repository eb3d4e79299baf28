"""Accounts run by admins through the API and moto's Cognito: create a doctor or a patient (invited
with a temporary password nobody at the desk sees), disable (signs the account out everywhere, sign-in
refused) and enable; only admins may, and bad input is a clear 400."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.functional.conftest import PASSWORD, REGION, World

DOCTOR = {"username": "dr.new", "role": "doctor", "name": "Dr. Lena Novak", "email": "lena@example.org",
          "title": "Dermatologist"}


def cognito(world: World) -> Any:
    return boto3.client("cognito-idp", region_name=REGION, endpoint_url=world.endpoint)


def test_an_admin_creates_a_doctor_who_is_invited_with_a_temporary_password(world: World) -> None:
    created = world.request("POST", "/admin/users", user="ops", body=DOCTOR)
    assert created.status_code == 201, created.json_body
    assert created.json_body["username"] == "dr.new" and created.json_body["role"] == "doctor"
    assert "password" not in str(created.json_body).lower()
    user = cognito(world).admin_get_user(UserPoolId=world.pool_id, Username="dr.new")
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert (attributes["name"], attributes["email"], attributes["custom:title"]) == (
        "Dr. Lena Novak", "lena@example.org", "Dermatologist")
    assert attributes["sub"] == created.json_body["userId"]
    groups = cognito(world).admin_list_groups_for_user(UserPoolId=world.pool_id, Username="dr.new")["Groups"]
    assert [g["GroupName"] for g in groups] == ["doctor"]
    listed = {u["username"]: u for u in world.request("GET", "/admin/users", user="ops").json_body["items"]}
    assert listed["dr.new"]["role"] == "doctor"

    again = world.request("POST", "/admin/users", user="ops", body=DOCTOR)
    assert (again.status_code, again.json_body["error"]["code"]) == (409, "username_taken")


def test_a_disabled_account_cannot_sign_in_or_refresh_and_comes_back_when_enabled(world: World) -> None:
    session = world.request("POST", "/auth/login", body={"username": "pat.a", "password": PASSWORD}).json_body
    disabled = world.request("POST", "/admin/users/pat.a/disable", user="ops", body={})
    assert disabled.status_code == 200 and disabled.json_body["enabled"] is False
    refused = world.request("POST", "/auth/login", body={"username": "pat.a", "password": PASSWORD})
    assert refused.status_code == 401
    refresh = world.request("POST", "/auth/refresh", body={"refreshToken": session["refreshToken"]})
    assert (refresh.status_code, refresh.json_body["error"]["code"]) == (401, "invalid_refresh_token")

    enabled = world.request("POST", "/admin/users/pat.a/enable", user="ops", body={})
    assert enabled.status_code == 200 and enabled.json_body["enabled"] is True
    assert world.request("POST", "/auth/login", body={"username": "pat.a", "password": PASSWORD}).status_code == 200
    missing = world.request("POST", "/admin/users/nobody.here/disable", user="ops", body={})
    assert (missing.status_code, missing.json_body["error"]["code"]) == (404, "account_not_found")


@pytest.mark.parametrize("user", ["pat.a", "dr.one"])
def test_only_admins_manage_accounts(world: World, user: str) -> None:
    assert world.request("POST", "/admin/users", user=user, body=DOCTOR).status_code == 403
    assert world.request("POST", "/admin/users/pat.b/disable", user=user, body={}).status_code == 403
    assert world.request("POST", "/admin/users/pat.b/enable", user=user, body={}).status_code == 403


@pytest.mark.parametrize(("change", "code"), [
    ({"email": None}, "no_channel"),
    ({"role": "admin"}, "validation_error"),
    ({"username": "Dr New"}, "validation_error"),
    ({"email": "not-an-address"}, "validation_error"),
    ({"phone": "0123"}, "validation_error"),
    ({"birthdate": "1990-13-40"}, "validation_error"),
    ({"extra": True}, "validation_error"),
])
def test_bad_account_details_are_refused_before_anything_is_created(world: World, change: dict[str, Any],
                                                                    code: str) -> None:
    body = {k: v for k, v in {**DOCTOR, **change}.items() if v is not None}
    response = world.request("POST", "/admin/users", user="ops", body=body)
    assert (response.status_code, response.json_body["error"]["code"]) == (400, code), response.json_body
    users = cognito(world).list_users(UserPoolId=world.pool_id)["Users"]
    assert "dr.new" not in {u["Username"] for u in users}


def test_an_admin_corrects_a_display_name(world: World) -> None:
    renamed = world.request("PUT", "/admin/users/pat.b/name", user="ops", body={"name": "Blair Santos-Reyes"})
    assert renamed.status_code == 200, renamed.json_body
    user = cognito(world).admin_get_user(UserPoolId=world.pool_id, Username="pat.b")
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["name"] == "Blair Santos-Reyes"
    assert world.request("PUT", "/admin/users/pat.b/name", user="dr.one", body={"name": "X"}).status_code == 403
    for body in ({"name": "   "}, {"name": ""}, {}, {"name": "ok", "role": "admin"}):
        assert world.request("PUT", "/admin/users/pat.b/name", user="ops", body=body).status_code == 400, body
    missing = world.request("PUT", "/admin/users/nobody.here/name", user="ops", body={"name": "Someone"})
    assert (missing.status_code, missing.json_body["error"]["code"]) == (404, "account_not_found")
