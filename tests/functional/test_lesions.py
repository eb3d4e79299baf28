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


def _raw_lesions(world: World) -> list[dict[str, Any]]:
    import boto3

    client = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=world.endpoint)
    return list(client.scan(TableName="dermafollow-local-lesions")["Items"])


# What a lesion item keeps readable: ids and times; its label and position are sealed.
READABLE_LESION_ATTRIBUTES = {"caseId", "lesionId", "createdAt", "createdBy"}


def test_a_label_and_a_position_are_sealed_at_rest_and_read_back(world: World) -> None:
    created = pin(world, label="Itchy patch behind my left elbow", bodySite="genital_area", view="front",
                  x=0.5, y=0.52)
    assert created.status_code == 201, created.body
    (item,) = _raw_lesions(world)
    assert set(item) - READABLE_LESION_ATTRIBUTES == {"labelSealed", "positionSealed"}
    assert "B" in item["labelSealed"] and "B" in item["positionSealed"]
    assert "Itchy patch" not in repr(item) and "genital" not in repr(item) and "0.52" not in repr(item)
    lesion_id = created.json_body["lesionId"]
    one = world.request("GET", f"/cases/{world.cases['a']}/lesions/{lesion_id}", user="dr.one").json_body
    assert (one["label"], one["bodySite"], one["view"], one["x"], one["y"]) == (
        "Itchy patch behind my left elbow", "genital_area", "front", 0.5, 0.52)


def test_a_lesion_stored_with_a_plaintext_label_is_not_answered_until_migrated(world: World) -> None:
    import boto3

    client = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=world.endpoint)
    case = world.cases["a"]
    client.put_item(TableName="dermafollow-local-lesions", Item={
        "caseId": {"S": case}, "lesionId": {"S": "les_legacy0001"}, "bodySite": {"S": "scalp"},
        "view": {"S": "front"}, "x": {"N": "0.5"}, "y": {"N": "0.05"}, "label": {"S": "Old scalp patch"},
        "createdAt": {"S": "2026-01-01T00:00:00+00:00"}, "createdBy": {"S": world.users["pat.a"].user_id},
    })
    for path in (f"/cases/{case}/lesions", f"/cases/{case}/lesions/les_legacy0001"):
        answer = world.request("GET", path, user="pat.a")
        assert answer.status_code == 503, answer.body
        assert "Old scalp patch" not in answer.body.decode()


def test_a_lesion_with_a_sealed_label_and_a_plaintext_position_is_not_answered_until_migrated(
        world: World) -> None:
    import boto3

    from functions.bootstrap import get_container

    client = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=world.endpoint)
    case = world.cases["a"]
    sealed = get_container().field_sealer.seal("lesions", f"{case}/les_legacy0002", {"label": "Patch"},
                                               case_id=case)
    client.put_item(TableName="dermafollow-local-lesions", Item={
        "caseId": {"S": case}, "lesionId": {"S": "les_legacy0002"}, "bodySite": {"S": "genital_area"},
        "view": {"S": "front"}, "x": {"N": "0.5"}, "y": {"N": "0.52"}, "labelSealed": {"B": sealed["label"]},
        "createdAt": {"S": "2026-01-01T00:00:00+00:00"}, "createdBy": {"S": world.users["pat.a"].user_id},
    })
    for path in (f"/cases/{case}/lesions", f"/cases/{case}/lesions/les_legacy0002"):
        answer = world.request("GET", path, user="pat.a")
        assert answer.status_code == 503, answer.body
        assert "genital" not in answer.body.decode()


def test_a_sealed_label_copied_onto_another_lesion_does_not_open(world: World) -> None:
    import boto3

    first = pin(world, label="Left elbow plaque").json_body["lesionId"]
    second = pin(world, label="Another", x=0.3).json_body["lesionId"]
    client = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=world.endpoint)
    table, case = "dermafollow-local-lesions", world.cases["a"]
    sealed = client.get_item(TableName=table, Key={"caseId": {"S": case}, "lesionId": {"S": first}})["Item"]
    client.update_item(TableName=table, Key={"caseId": {"S": case}, "lesionId": {"S": second}},
                       UpdateExpression="SET labelSealed = :v", ExpressionAttributeValues={":v": sealed["labelSealed"]})
    answer = world.request("GET", f"/cases/{case}/lesions/{second}", user="pat.a")
    assert (answer.status_code, answer.json_body["error"]["code"]) == (500, "decryption_failed")
    assert "Left elbow plaque" not in answer.body.decode()
