"""The body map: the site vocabulary and lesions that keep their identity across visits."""

from __future__ import annotations

from typing import Any

import pytest

from functions.lesions.body_sites import body_sites
from tests.functional.conftest import World


def pin(world: World, user: str = "pat.a", case: str = "a", **change: Any) -> Any:
    body = {"bodySite": "elbow_left", "view": "back", "x": 0.2, "y": 0.45, "label": "Plaque", **change}
    return world.request("POST", f"/cases/{world.cases[case]}/lesions", user=user, body=body)


def test_body_site_vocabulary(world: World) -> None:
    answer = world.request("GET", "/body-sites", user="pat.a").json_body
    ids = [site["id"] for site in answer["sites"]]
    assert len(ids) == len(set(ids)) >= 30
    assert {"scalp", "face", "arm_left_upper", "hand_right", "leg_left_lower", "foot_right", "genital_area"} <= set(ids)
    assert all(set(site["views"]) <= {"front", "back"} and site["region"] in answer["regions"]
               for site in answer["sites"])
    assert set(body_sites()) == set(ids)


def test_lesions_are_created_listed_and_read(world: World) -> None:
    first = pin(world)
    assert first.status_code == 201, first.body
    second = pin(world, user="dr.one", bodySite="scalp", view="front", x=0.5, y=0.03, label="Scalp patch")
    lesion_id = first.json_body["lesionId"]
    listed = world.request("GET", f"/cases/{world.cases['a']}/lesions", user="dr.one").json_body["items"]
    assert {item["lesionId"] for item in listed} == {lesion_id, second.json_body["lesionId"]}
    one = world.request("GET", f"/cases/{world.cases['a']}/lesions/{lesion_id}", user="pat.a").json_body
    assert (one["bodySite"], one["view"], one["x"], one["y"], one["label"]) == ("elbow_left", "back", 0.2, 0.45,
                                                                                  "Plaque")


@pytest.mark.parametrize(("change", "code"), [
    ({"bodySite": "chest", "view": "back"}, "site_not_in_view"),
    ({"bodySite": "elbow"}, "validation_error"),
    ({"x": 1.2}, "validation_error"),
    ({"y": -0.1}, "validation_error"),
    ({"view": "side"}, "validation_error"),
    ({"label": ""}, "validation_error"),
])
def test_lesion_validation(world: World, change: dict[str, Any], code: str) -> None:
    response = pin(world, **change)
    assert (response.status_code, response.json_body["error"]["code"]) == (400, code)


@pytest.mark.parametrize(("user", "status"), [("pat.b", 404), ("dr.two", 404), ("ops", 403)])
def test_lesions_of_someone_elses_case(world: World, user: str, status: int) -> None:
    lesion_id = pin(world).json_body["lesionId"]
    assert pin(world, user=user).status_code == status
    assert world.request("GET", f"/cases/{world.cases['a']}/lesions/{lesion_id}", user=user).status_code == status
    # From her own case, pat.b still cannot reach case a's lesion by id.
    if user == "pat.b":
        response = world.request("GET", f"/cases/{world.cases['b']}/lesions/{lesion_id}", user=user)
        assert (response.status_code, response.json_body["error"]["code"]) == (404, "lesion_not_found")
