"""Hostile input found in review (issue: security, low): tampered cursors, odd `limit` values and very
deeply nested JSON. Each must be a clean 400 with a stable code (REST) or an error frame that still
spends the connection's rate budget (WebSocket), never a 500."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.functional.conftest import World


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _error(response: Any) -> tuple[int, str]:
    body = response.json_body
    assert set(body) == {"error"}, body
    return response.status_code, body["error"]["code"]


@pytest.mark.parametrize("start_key", [
    {"caseId": "x"},  # a plain value where DynamoDB's typed value belongs
    {"caseId": {"S": 5}},
    {"caseId": {"S": "x", "N": "1"}},
    {"caseId": []},
    {"caseId": {"L": []}},
    "just a string",
    [1, 2],
], ids=["untyped", "number-in-S", "two-types", "list", "list-type", "string", "array"])
def test_a_tampered_cursor_is_400(world: World, start_key: Any) -> None:
    case = world.cases["a"]
    response = world.request("GET", f"/cases/{case}/timeline?cursor={_cursor(start_key)}", user="pat.a")
    assert _error(response) == (400, "invalid_cursor")


@pytest.mark.parametrize("limit", ["%C2%B2", "--5", "-", "5.0", "1e2", "%EF%BC%95"],
                         ids=["superscript-two", "double-minus", "minus", "decimal", "exponent", "fullwidth-five"])
def test_an_odd_limit_is_400(world: World, limit: str) -> None:
    assert _error(world.request("GET", f"/cases?limit={limit}", user="pat.a")) == (400, "validation_error")


def test_a_deeply_nested_body_is_400(world: World) -> None:
    raw = b'{"username": ' + b"[" * 20_000 + b"]" * 20_000 + b', "password": "x"}'
    assert _error(world.request("POST", "/auth/login", raw=raw))[0] == 400
