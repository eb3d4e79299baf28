"""Sign-in abuse through the API and moto: after the free wrong passwords an account waits (429 with
Retry-After, even with the right password), another account does not, and the table keeps no
username."""

from __future__ import annotations

import boto3

from functions.identity.throttle import USERNAME_FREE_FAILURES
from functions.shared.settings import get_settings
from tests.functional.conftest import PASSWORD, REGION, World


def login(world: World, username: str, password: str) -> tuple[int, dict[str, str], dict[str, object]]:
    response = world.request("POST", "/auth/login", body={"username": username, "password": password})
    return response.status_code, response.headers, response.json_body


def test_repeated_wrong_passwords_make_the_account_wait(world: World) -> None:
    for _ in range(USERNAME_FREE_FAILURES):
        status, _, body = login(world, "pat.a", "not-the-password")
        assert (status, body["error"]["code"]) == (401, "invalid_credentials")  # type: ignore[index]
    status, headers, body = login(world, "pat.a", PASSWORD)
    assert (status, body["error"]["code"]) == (429, "rate_limited"), body  # type: ignore[index]
    assert 0 < int(headers["Retry-After"]) <= 30
    assert login(world, "pat.b", PASSWORD)[0] == 200

    table = boto3.resource("dynamodb", region_name=REGION, endpoint_url=world.endpoint).Table(
        get_settings().table_prefix + "login_attempts")
    stored = str(table.scan()["Items"])
    assert "pat.a" not in stored and "pat.b" not in stored


def test_a_right_password_within_the_free_failures_clears_the_count(world: World) -> None:
    for _ in range(USERNAME_FREE_FAILURES - 1):
        assert login(world, "pat.a", "wrong")[0] == 401
    assert login(world, "pat.a", PASSWORD)[0] == 200
    for _ in range(USERNAME_FREE_FAILURES - 1):
        assert login(world, "pat.a", "wrong")[0] == 401
    assert login(world, "pat.a", PASSWORD)[0] == 200  # the earlier failures no longer count


def test_bad_refresh_tokens_count_against_the_address(world: World) -> None:
    answer = world.request("POST", "/auth/refresh", body={"refreshToken": "forged"})
    assert (answer.status_code, answer.json_body["error"]["code"]) == (401, "invalid_refresh_token")
