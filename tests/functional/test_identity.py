"""Sign-in, refresh and token verification at the API Gateway authorizer."""

from __future__ import annotations

import time

from tests.functional.conftest import PASSWORD, REGION, World
from tests.support.cognito import foreign_key, mint_access_token


def _token(world: World, user: str, **overrides: object) -> str:
    target = world.users[user]
    params: dict[str, object] = {
        "region": REGION, "pool_id": world.pool_id, "client_id": world.client_id,
        "sub": target.user_id, "username": target.username, "groups": target.groups,
    }
    params.update(overrides)
    return mint_access_token(**params)  # type: ignore[arg-type]


def _me(world: World, token: str) -> object:
    return world.request("GET", "/me", headers={"Authorization": f"Bearer {token}"})


def test_login_returns_tokens_and_role(world: World) -> None:
    response = world.request("POST", "/auth/login", body={"username": "dr.one", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json_body
    assert body["me"] == {"userId": world.users["dr.one"].user_id, "username": "dr.one", "role": "doctor",
                          "displayName": "dr.one"}
    assert body["accessToken"] and body["refreshToken"] and body["expiresIn"] > 0


def test_wrong_password_is_401_with_stable_code(world: World) -> None:
    response = world.request("POST", "/auth/login", body={"username": "dr.one", "password": "nope-nope"})
    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "invalid_credentials"


def test_unknown_user_is_indistinguishable_from_wrong_password(world: World) -> None:
    response = world.request("POST", "/auth/login", body={"username": "ghost", "password": "whatever1"})
    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "invalid_credentials"


def test_refresh_issues_a_new_access_token(world: World) -> None:
    login = world.request("POST", "/auth/login", body={"username": "pat.a", "password": PASSWORD}).json_body
    response = world.request("POST", "/auth/refresh", body={"refreshToken": login["refreshToken"]})
    assert response.status_code == 200
    assert response.json_body["me"]["role"] == "patient"
    assert _me(world, response.json_body["accessToken"]).status_code == 200  # type: ignore[attr-defined]


def test_bad_refresh_token_is_401(world: World) -> None:
    response = world.request("POST", "/auth/refresh", body={"refreshToken": "not-a-refresh-token"})
    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "invalid_refresh_token"


def test_me_answers_for_a_real_token(world: World) -> None:
    response = world.request("GET", "/me", user="ops")
    assert response.status_code == 200
    assert response.json_body["role"] == "admin"


def test_no_token_is_401(world: World) -> None:
    assert world.request("GET", "/me").status_code == 401


def test_garbage_token_is_401(world: World) -> None:
    assert _me(world, "not.a.jwt").status_code == 401  # type: ignore[attr-defined]


def test_non_bearer_scheme_is_401(world: World) -> None:
    token = world.users["pat.a"].token
    response = world.request("GET", "/me", headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 401


def test_foreign_signature_is_401(world: World) -> None:
    assert _me(world, _token(world, "pat.a", key=foreign_key())).status_code == 401  # type: ignore[attr-defined]


def test_unknown_key_id_is_401(world: World) -> None:
    assert _me(world, _token(world, "pat.a", kid="rotated-away")).status_code == 401  # type: ignore[attr-defined]


def test_expired_token_is_401(world: World) -> None:
    token = _token(world, "pat.a", issued_at=int(time.time()) - 7200, expires_in=3600)
    assert _me(world, token).status_code == 401  # type: ignore[attr-defined]


def test_token_for_another_client_is_401(world: World) -> None:
    assert _me(world, _token(world, "pat.a", client_id="another-app")).status_code == 401  # type: ignore[attr-defined]


def test_token_from_another_pool_is_401(world: World) -> None:
    assert _me(world, _token(world, "pat.a", pool_id=f"{REGION}_Other")).status_code == 401  # type: ignore[attr-defined]


def test_id_token_is_not_an_access_token(world: World) -> None:
    assert _me(world, _token(world, "pat.a", token_use="id")).status_code == 401  # type: ignore[attr-defined]


def test_valid_signature_with_correct_claims_is_accepted(world: World) -> None:
    # The minted-token helper is only trustworthy if a correct token passes.
    assert _me(world, _token(world, "pat.a")).status_code == 200  # type: ignore[attr-defined]


def test_user_without_role_is_403(world: World) -> None:
    assert world.request("GET", "/me", user="nobody").status_code == 403


def test_the_session_hands_out_no_id_token(world: World) -> None:
    """The app needs the access token (API) and the refresh token (renewal) only; an ID token in the
    browser would be one more bearer of the person's name and e-mail to steal."""
    login = world.request("POST", "/auth/login", body={"username": "pat.a", "password": PASSWORD}).json_body
    assert {"accessToken", "refreshToken", "expiresIn", "me"} <= login.keys()
    assert "idToken" not in login
    renewed = world.request("POST", "/auth/refresh", body={"refreshToken": login["refreshToken"]}).json_body
    assert "accessToken" in renewed and "idToken" not in renewed


def test_sign_out_revokes_the_refresh_token(world: World) -> None:
    login = world.request("POST", "/auth/login", body={"username": "pat.a", "password": PASSWORD}).json_body
    assert world.request("POST", "/auth/refresh", body={"refreshToken": login["refreshToken"]}).status_code == 200
    out = world.request("POST", "/auth/logout", body={"refreshToken": login["refreshToken"]})
    assert (out.status_code, out.json_body) == (200, {"status": "signed_out"})
    refused = world.request("POST", "/auth/refresh", body={"refreshToken": login["refreshToken"]})
    assert (refused.status_code, refused.json_body["error"]["code"]) == (401, "invalid_refresh_token")
    # Twice, or with a token that never was: still signed out, never a 500.
    for token in (login["refreshToken"], "not-a-refresh-token"):
        again = world.request("POST", "/auth/logout", body={"refreshToken": token})
        assert again.status_code == 200, again.json_body
    for body in ({}, {"refreshToken": ""}, {"refreshToken": "x", "extra": 1}):
        assert world.request("POST", "/auth/logout", body=body).status_code == 400, body
