"""Bad input gets a JSON 4xx with a stable code, never a 500, and changes nothing."""

from __future__ import annotations

import pytest

from tests.functional.conftest import World


def _error(response: object) -> tuple[int, str]:
    body = response.json_body  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    return response.status_code, body["error"]["code"]  # type: ignore[attr-defined]


def test_malformed_json_is_400(world: World) -> None:
    response = world.request("POST", "/auth/login", raw=b'{"username": "x", ')
    assert _error(response) == (400, "malformed_json")


def test_non_object_body_is_400(world: World) -> None:
    assert _error(world.request("POST", "/auth/login", raw=b"[1,2]")) == (400, "validation_error")


def test_unknown_body_field_is_400(world: World) -> None:
    body = {"username": "dr.one", "password": "x", "admin": True}
    assert _error(world.request("POST", "/auth/login", body=body)) == (400, "validation_error")


def test_missing_required_field_is_400(world: World) -> None:
    assert _error(world.request("POST", "/auth/login", body={"username": "dr.one"})) == (400, "validation_error")


def test_wrong_type_is_400(world: World) -> None:
    response = world.request("POST", "/auth/login", body={"username": 5, "password": "x"})
    assert _error(response) == (400, "validation_error")


def test_validation_message_names_the_field_not_the_value(world: World) -> None:
    response = world.request("POST", "/auth/login", body={"username": "dr.one", "password": "", "x": 1})
    assert "secret-value" not in response.json_body["error"]["message"]
    assert response.json_body["error"]["message"].startswith("body")


def test_wrong_content_type_is_415(world: World) -> None:
    response = world.request("POST", "/auth/login", raw=b"username=x", headers={"content-type": "text/plain"})
    assert _error(response) == (415, "unsupported_media_type")


def test_oversized_body_is_413(world: World) -> None:
    response = world.request("POST", "/auth/login", raw=b'{"username":"' + b"x" * 70000 + b'"}')
    assert _error(response) == (413, "payload_too_large")


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=abc", "sort=name", "cursor=%24%24%24",
                                   "cursor=bm90LWpzb24"])
def test_bad_query_parameters_are_400(world: World, query: str) -> None:
    status, code = _error(world.request("GET", f"/cases?{query}", user="pat.a"))
    assert status == 400 and code in {"validation_error", "invalid_cursor"}


@pytest.mark.parametrize("case_id", ["short", "a" * 65, "has.dot.inside", "semi%3Bcolon1"])
def test_bad_path_parameters_are_400(world: World, case_id: str) -> None:
    assert _error(world.request("GET", f"/cases/{case_id}", user="pat.a")) == (400, "validation_error")


def test_body_on_a_body_less_post_must_be_empty_object(world: World) -> None:
    assert _error(world.request("POST", "/ws/tickets", user="pat.a", body={"x": 1})) == (400, "validation_error")


def test_bad_invitation_leaves_no_grant(world: World) -> None:
    case = world.cases["a"]
    bad = {"doctorId": world.users["dr.three"].user_id, "expiresInHours": 10000}
    assert world.request("POST", f"/cases/{case}/invitations", user="dr.one", body=bad).status_code == 400
    assert world.request("GET", f"/cases/{case}", user="dr.three").status_code == 404


def test_responses_are_not_cached_and_are_json(world: World) -> None:
    response = world.request("GET", "/me", user="pat.a")
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"


def test_wrong_method_is_405_in_the_same_error_shape(world: World) -> None:
    assert _error(world.request("DELETE", "/me", user="pat.a")) == (405, "method_not_allowed")


def test_empty_post_with_a_library_default_content_type_is_accepted(world: World) -> None:
    response = world.request("POST", "/ws/tickets", user="pat.a", headers={"content-type": "application/octet-stream"})
    assert response.status_code == 200


def test_non_json_body_on_a_bodyless_action_is_415(world: World) -> None:
    response = world.request("POST", "/ws/tickets", user="pat.a", raw=b"x=1",
                             headers={"content-type": "application/x-www-form-urlencoded"})
    assert _error(response) == (415, "unsupported_media_type")
