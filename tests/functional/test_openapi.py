"""The OpenAPI document the API serves is generated from the route table (functions/shared/openapi.py):
it is valid OpenAPI 3.1, holds every route, and the roles it names are the roles the API admits.

The role matrix below is generated from the document, so a new route is in it the moment it exists:
every operation is called as a patient, a doctor and an admin; a role the document does not name is
refused with 403 `wrong_role` before anything else is looked at, and a role it names is never refused
for its role."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from openapi_spec_validator import validate

from functions.shared.openapi import contract_of, document
from tests.functional.answers import check_answer
from tests.functional.conftest import World

ROLE_USERS = {"patient": "pat.a", "doctor": "dr.one", "admin": "ops"}
A_PLAUSIBLE_ID = "abcdefgh12345678abcdefgh"  # matches every id pattern; names nothing


@pytest.fixture
def served(world: World) -> dict[str, Any]:
    answer = world.request("GET", "/openapi.json")  # public, like /health
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json_body
    return document


def test_the_document_is_valid_openapi_and_holds_every_route(served: dict[str, Any]) -> None:
    from app import app

    validate(served)
    assert served["openapi"] == "3.1.0"
    listed = {(method.upper(), path) for path, operations in served["paths"].items() for method in operations}
    routed = {(method, path) for path, methods in app.routes.items() for method in methods}
    assert listed == routed
    ids = [op["operationId"] for operations in served["paths"].values() for op in operations.values()]
    assert len(ids) == len(set(ids)), "one operation id per view"
    # The request schemas are the validators' own: a body the document forbids, the API refuses.
    login = served["paths"]["/auth/login"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert login["additionalProperties"] is False and set(login["required"]) == {"username", "password"}
    assert served["paths"]["/auth/login"]["post"]["security"] == []
    assert served["paths"]["/cases/{case_id}/records"]["post"]["x-roles"] == ["doctor"]


COMMITTED_DOCUMENT = Path(__file__).resolve().parents[2] / "web" / "src" / "api" / "openapi.json"


def test_every_route_declares_its_answer() -> None:
    # Every answer a functional test receives is checked against its route's schema (answers.py), and
    # the web app's types are generated from these schemas: a route without one escapes both.
    from app import app

    without = {f"{method} {path}" for path, methods in app.routes.items() for method, entry in methods.items()
               if (contract := contract_of(entry.view_function)) is not None and contract.answer is None}
    assert sorted(without) == [], "declare these routes' answers (endpoint answer=)"


def test_the_web_apps_copy_of_the_document_is_the_served_one(served: dict[str, Any]) -> None:
    # The web app's API types are generated from this copy (web/src/api/schema.gen.ts; its own test
    # checks that step): run `npm run api` in web/ after changing a route's schemas.
    assert json.loads(COMMITTED_DOCUMENT.read_text(encoding="utf-8")) == served, "run `npm run api` in web/"


def test_an_answer_its_schema_refuses_fails_the_test_that_received_it() -> None:
    def answered(status: int, body: Any) -> Any:
        return SimpleNamespace(status_code=status, headers={"Content-Type": "application/json"},
                               body=json.dumps(body).encode())

    case: dict[str, Any] = {
        "caseId": "c1", "patientId": "p1", "condition": "Psoriasis", "status": "open",
        "openedAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
        "bodySites": [], "followUpPlan": None, "doctors": [],
    }
    check_answer("GET", "/cases/abcdefgh12345678", answered(200, case))
    with pytest.raises(AssertionError, match="declared schema refuses"):
        check_answer("GET", "/cases/abcdefgh12345678", answered(200, {**case, "status": "paused"}))
    with pytest.raises(AssertionError, match="declared schema refuses"):
        check_answer("GET", "/cases/abcdefgh12345678", answered(200, {**case, "secret": 1}))
    with pytest.raises(AssertionError, match="declared schema refuses"):
        check_answer("GET", "/cases/abcdefgh12345678", answered(404, {"code": "not_found"}))
    check_answer("GET", "/cases/abcdefgh12345678", answered(404, {"error": {"code": "x", "message": "y"}}))


def test_titled_answer_schemas_become_named_components() -> None:
    from app import app

    built = document(app.routes, title="t", version="1")
    answer = built["paths"]["/cases/{case_id}"]["get"]["responses"]["2XX"]["content"]["application/json"]
    assert answer["schema"] == {"$ref": "#/components/schemas/Case"}
    case = built["components"]["schemas"]["Case"]
    assert case["properties"]["doctors"]["items"] == {"$ref": "#/components/schemas/Grant"}
    assert "followUpPlan" in case["required"] and case["additionalProperties"] is False


def _operations(document: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    return [(method.upper(), path, op.get("x-roles", [])) for path, operations in document["paths"].items()
            for method, op in operations.items() if op["security"]]


def test_every_role_the_document_does_not_name_is_refused_and_every_role_it_names_is_let_in(
    world: World, served: dict[str, Any]
) -> None:
    wrong: list[str] = []
    checked = 0
    for method, path, roles in _operations(served):
        concrete = re.sub(r"{\w+}", A_PLAUSIBLE_ID, path)
        for role, user in ROLE_USERS.items():
            answer = world.request(method, concrete, user=user, body={} if method in ("POST", "PUT") else None)
            code = (answer.json_body or {}).get("error", {}).get("code") if answer.status_code >= 400 else None
            refused_for_role = (answer.status_code, code) == (403, "wrong_role")
            if refused_for_role == (role in roles):
                wrong.append(f"{role}: {method} {path} -> {answer.status_code} {code} (document: {roles})")
            if answer.status_code >= 500:
                wrong.append(f"{role}: {method} {path} -> {answer.status_code}")
            checked += 1
    assert wrong == []
    assert checked == 3 * len(_operations(served)) and checked > 250
