"""A first sign-in through the API and moto's Cognito: the temporary password leads to a
password_change_required answer with a session; the person's own password (meeting the policy)
finishes it and signs them in; afterwards only the new password works."""

from __future__ import annotations

import boto3

from tests.functional.conftest import REGION, World

TEMPORARY = "Temp-pass-2026!"
CHOSEN = "Elbow-skin-clear-42!"


def new_account(world: World, username: str) -> None:
    idp = boto3.client("cognito-idp", region_name=REGION, endpoint_url=world.endpoint)
    idp.admin_create_user(UserPoolId=world.pool_id, Username=username, TemporaryPassword=TEMPORARY,
                          MessageAction="SUPPRESS")
    idp.admin_add_user_to_group(UserPoolId=world.pool_id, Username=username, GroupName="patient")


def test_a_new_patient_chooses_her_own_password_on_first_sign_in(world: World) -> None:
    new_account(world, "pat.new")
    first = world.request("POST", "/auth/login", body={"username": "pat.new", "password": TEMPORARY})
    assert first.status_code == 401 and first.json_body["error"]["code"] == "password_change_required"
    session = first.json_body["error"]["details"]["session"]
    assert session

    weak = world.request("POST", "/auth/new-password",
                         body={"username": "pat.new", "session": session, "newPassword": "short"})
    assert (weak.status_code, weak.json_body["error"]["code"]) == (400, "weak_password"), weak.json_body

    done = world.request("POST", "/auth/new-password",
                         body={"username": "pat.new", "session": session, "newPassword": CHOSEN})
    assert done.status_code == 200, done.json_body
    assert done.json_body["me"]["username"] == "pat.new" and done.json_body["me"]["role"] == "patient"
    assert done.json_body["accessToken"] and done.json_body["refreshToken"]

    assert world.request("POST", "/auth/login", body={"username": "pat.new", "password": CHOSEN}).status_code == 200
    old = world.request("POST", "/auth/login", body={"username": "pat.new", "password": TEMPORARY})
    assert (old.status_code, old.json_body["error"]["code"]) == (401, "invalid_credentials")


def test_a_forged_session_or_bad_body_is_refused_cleanly(world: World) -> None:
    new_account(world, "pat.other")
    forged = world.request("POST", "/auth/new-password",
                           body={"username": "pat.other", "session": "forged-" * 8, "newPassword": CHOSEN})
    assert (forged.status_code, forged.json_body["error"]["code"]) == (401, "sign_in_expired"), forged.json_body
    for body in ({}, {"username": "pat.other", "session": "x"}, {"username": "a", "session": "x", "newPassword": "y"},
                 {"username": "", "session": "x", "newPassword": "y"},
                 {"username": "pat.other", "session": "x", "newPassword": CHOSEN, "extra": 1}):
        assert world.request("POST", "/auth/new-password", body=body).status_code == 400, body
