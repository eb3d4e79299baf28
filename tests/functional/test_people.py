"""People by name: who may learn whose display name, and the disclosure of a patient is audited."""

from __future__ import annotations

from datetime import date
from typing import Any

import boto3
import pytest

from tests.functional.conftest import REGION, World


@pytest.fixture
def named(world: World) -> World:
    idp = boto3.client("cognito-idp", region_name=REGION, endpoint_url=world.endpoint)
    profiles: dict[str, list[dict[str, str]]] = {
        "pat.a": [{"Name": "name", "Value": "Ada Patient"}, {"Name": "birthdate", "Value": "1990-01-15"},
                  {"Name": "gender", "Value": "female"}],
        "pat.b": [{"Name": "name", "Value": "Ben Patient"}],
        "dr.one": [{"Name": "name", "Value": "Dr. One"}, {"Name": "custom:title", "Value": "Consultant"}],
        "dr.two": [{"Name": "name", "Value": "Dr. Two"}],
    }
    for username, attributes in profiles.items():
        idp.admin_update_user_attributes(UserPoolId=world.pool_id, Username=username, UserAttributes=attributes)
    return world


def people(world: World, user: str, *usernames: str) -> Any:
    ids = ",".join(world.users[u].user_id for u in usernames)
    return world.request("GET", f"/people?ids={ids}", user=user)


def test_doctor_sees_the_patient_and_herself_with_age_and_sex(named: World) -> None:
    answer = people(named, "dr.one", "pat.a", "dr.one")
    assert answer.status_code == 200
    by_id = {p["userId"]: p for p in answer.json_body["items"]}
    patient = by_id[named.users["pat.a"].user_id]
    today = date.today()
    assert patient["name"] == "Ada Patient"
    assert patient["sex"] == "female"
    assert patient["age"] == today.year - 1990 - ((today.month, today.day) < (1, 15))
    assert by_id[named.users["dr.one"].user_id] == {
        "userId": named.users["dr.one"].user_id, "role": "doctor", "name": "Dr. One", "title": "Consultant",
    }


def test_patient_sees_her_own_doctor_but_not_another_patient_or_doctor(named: World) -> None:
    answer = people(named, "pat.a", "dr.one", "dr.two", "pat.b")
    assert answer.status_code == 200
    assert [p["name"] for p in answer.json_body["items"]] == ["Dr. One"]


@pytest.mark.parametrize("user", ["dr.two", "dr.three"])
def test_unrelated_doctor_learns_nothing(named: World, user: str) -> None:
    answer = people(named, user, "pat.a", "dr.one")
    assert answer.status_code == 200
    assert answer.json_body["items"] == []


def test_admin_is_refused(named: World) -> None:
    answer = people(named, "ops", "pat.a")
    assert answer.status_code == 403


@pytest.mark.parametrize("ids", ["", "a%22b", ",".join(f"u{i}" for i in range(51))])
def test_bad_ids_are_a_4xx(named: World, ids: str) -> None:
    answer = named.request("GET", f"/people?ids={ids}", user="dr.one")
    assert answer.status_code == 400
    assert "error" in answer.json_body


def test_disclosing_a_patient_is_audited(named: World) -> None:
    people(named, "dr.one", "pat.a")
    patient = named.users["pat.a"].user_id
    trail = named.request("GET", f"/admin/audit?patientId={patient}&limit=100", user="ops").json_body["items"]
    assert any(e["action"] == "people.read" and e["actorId"] == named.users["dr.one"].user_id for e in trail)


def test_names_are_cached_for_a_bounded_time(named: World) -> None:
    from functions.bootstrap import get_container
    from functions.identity import directory as module

    directory = get_container().directory
    patient = named.users["pat.a"].user_id
    assert directory.profiles_of([patient])[patient].name == "Ada Patient"
    idp = boto3.client("cognito-idp", region_name=REGION, endpoint_url=named.endpoint)
    idp.admin_update_user_attributes(UserPoolId=named.pool_id, Username="pat.a",
                                     UserAttributes=[{"Name": "name", "Value": "Ada Renamed"}])
    assert directory.profiles_of([patient])[patient].name == "Ada Patient"  # served from the cache
    clock = directory._now
    directory._now = lambda: clock() + module.PROFILE_TTL_SECONDS + 1
    assert directory.profiles_of([patient])[patient].name == "Ada Renamed"
