"""Every paged route (derived from the app's route table: a `cursor` in the view's query schema)
answers a tampered cursor or an odd `limit` with a clean 400 and a stable code, never a 500 or 503."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from tests.functional.conftest import World
from tests.functional.emr_support import create_entry, provision_emr


def paged_routes() -> list[tuple[str, str]]:
    from app import app

    found = []
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            schema = getattr(entry.view_function, "query_schema", None) or {}
            if "cursor" in schema.get("properties", {}):
                found.append((method, path))
    return sorted(found)


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


CURSORS = {
    "untyped": _cursor({"caseId": "x"}),
    "not-base64-json": "bm90IGpzb24",  # "not json"
    "bad-alphabet": "%2B%2F%3D%3D",  # "+/==", outside the cursor alphabet
    "wrong-types": _cursor({"caseId": {"S": 5}, "seq": {"N": []}}),
    "foreign-keys": _cursor({"nope": {"S": "x"}, "other": {"N": "1"}}),
    "huge": "A" * 5000,
}
LIMITS = {"superscript-two": "%C2%B2", "double-minus": "--5", "exponent": "1e3", "huge": "9" * 30, "zero": "0",
          "empty": ""}


def test_the_route_table_has_the_known_paged_routes() -> None:
    routes = paged_routes()
    assert ("GET", "/cases/{case_id}/timeline") in routes and ("GET", "/admin/audit") in routes
    assert len(routes) >= 8, routes


@pytest.fixture
def paged(world: World, monkeypatch: pytest.MonkeyPatch) -> tuple[World, dict[str, str]]:
    provision_emr(world, monkeypatch)
    entry = create_entry(world, "diagnosis")
    lesion = world.request("POST", f"/cases/{world.cases['a']}/lesions", user="pat.a",
                           body={"bodySite": "elbow_left", "view": "back", "x": 0.2, "y": 0.4, "label": "Plaque"})
    return world, {"case_id": world.cases["a"], "entry_id": entry["entryId"],
                   "lesion_id": lesion.json_body["lesionId"]}


def _request(world: World, params: dict[str, str], method: str, path: str, query: str) -> Any:
    names = re.findall(r"{(\w+)}", path)
    missing = [name for name in names if name not in params]
    assert not missing, f"give the paged-route test a sample {missing} for {path}"
    target = path.format(**params)
    user = "dr.one"
    if target.startswith("/admin/"):
        user, query = "ops", f"patientId={world.users['pat.a'].user_id}&{query}"
    return world.request(method, f"{target}?{query}", user=user)


@pytest.mark.parametrize("route", paged_routes(), ids=lambda r: f"{r[0]} {r[1]}")
def test_every_paged_route_refuses_tampered_cursors_and_odd_limits(paged: tuple[World, dict[str, str]],
                                                                  route: tuple[str, str]) -> None:
    world, params = paged
    method, path = route
    assert _request(world, params, method, path, "limit=5").status_code == 200
    answers = {}
    for name, cursor in CURSORS.items():
        response = _request(world, params, method, path, f"cursor={cursor}")
        answers[f"cursor {name}"] = (response.status_code, (response.json_body or {}).get("error", {}).get("code"))
    for name, limit in LIMITS.items():
        response = _request(world, params, method, path, f"limit={limit}")
        answers[f"limit {name}"] = (response.status_code, (response.json_body or {}).get("error", {}).get("code"))
    bad = {name: answer for name, answer in answers.items()
           if answer[0] != 400 or answer[1] not in {"invalid_cursor", "validation_error"}}
    assert bad == {}
