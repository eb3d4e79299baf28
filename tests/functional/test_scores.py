"""Severity scores and patient-reported outcomes through the API: who records what, validation,
meaningful-change flags, the trend series and the timeline."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.conftest import World

ZERO = {"erythema": 0, "induration": 0, "desquamation": 0, "area": 0}


def pasi(lower: tuple[int, int, int, int] = (0, 0, 0, 0), head: tuple[int, int, int, int] = (0, 0, 0, 0)
         ) -> dict[str, Any]:
    def region(values: tuple[int, int, int, int]) -> dict[str, int]:
        return dict(zip(("erythema", "induration", "desquamation", "area"), values, strict=True))

    return {"head": region(head), "upperLimbs": dict(ZERO), "trunk": dict(ZERO), "lowerLimbs": region(lower)}


def record(world: World, user: str, instrument: str, components: dict[str, Any], case: str = "a",
           **extra: Any) -> Any:
    return world.request("POST", f"/cases/{world.cases[case]}/scores", user=user,
                         body={"instrument": instrument, "components": components, **extra})


def dlqi(*items: Any) -> dict[str, Any]:
    return {"items": list(items)}


def test_doctor_records_pasi_and_it_lands_on_the_timeline(world: World) -> None:
    response = record(world, "dr.one", "PASI", pasi(lower=(4, 3, 3, 5)))
    assert response.status_code == 201, response.body
    score = response.json_body
    assert score["total"] == 20.0  # (4+3+3) x 5 x 0.4
    assert score["details"]["regions"]["lowerLimbs"] == 20.0
    assert (score["recorderRole"], score["onBehalfOfPatient"]) == ("doctor", False)
    assert score["flags"] == [] and score["change"]["previousTotal"] is None
    timeline = world.request("GET", f"/cases/{world.cases['a']}/timeline", user="pat.a").json_body["items"]
    assert [(e["type"], e["refId"]) for e in timeline] == [("score", score["scoreId"])]
    assert timeline[0]["summary"] == {"instrument": "PASI", "total": 20.0, "flags": []}


@pytest.mark.parametrize("instrument", ["PASI", "EASI", "IGA"])
def test_patients_cannot_record_clinician_rated_scores(world: World, instrument: str) -> None:
    components: dict[str, Any] = {"PASI": pasi(), "IGA": {"grade": 2}}.get(instrument, {})
    if instrument == "EASI":
        region = {"erythema": 1, "induration": 1, "excoriation": 1, "lichenification": 1, "area": 1}
        components = dict.fromkeys(("head", "upperLimbs", "trunk", "lowerLimbs"), region) | {"ageGroup": "adult"}
    response = record(world, "pat.a", instrument, components)
    assert (response.status_code, response.json_body["error"]["code"]) == (403, "clinician_rated")


def test_patient_reports_outcomes_and_a_doctor_may_enter_them_for_the_patient(world: World) -> None:
    own = record(world, "pat.a", "ITCH_NRS", {"score": 6}).json_body
    assert (own["recorderRole"], own["onBehalfOfPatient"], own["band"]) == ("patient", False, "moderate")
    entered = record(world, "dr.one", "POEM", {"items": [4, 3, 2, 1, 0, 4, None]}).json_body
    assert (entered["recorderRole"], entered["onBehalfOfPatient"], entered["total"]) == ("doctor", True, 14)


@pytest.mark.parametrize(("user", "status"), [("pat.b", 404), ("dr.two", 404), ("ops", 403), ("nobody", 403)])
def test_no_right_to_the_case(world: World, user: str, status: int) -> None:
    assert record(world, user, "ITCH_NRS", {"score": 3}).status_code == status
    response = world.request("GET", f"/cases/{world.cases['a']}/scores", user=user)
    assert response.status_code == status


@pytest.mark.parametrize(("instrument", "components", "code"), [
    ("PASI", pasi(lower=(5, 0, 0, 1)), "validation_error"),
    ("PASI", {"head": ZERO}, "validation_error"),
    ("IGA", {"grade": 5}, "validation_error"),
    ("DLQI", dlqi(0, 0, 0), "validation_error"),
    ("DLQI", dlqi(None, None, 1, 1, 1, 1, 1, 1, 1, 1), "too_many_unanswered"),
    ("POEM", {"items": [0, 0, 0, 0, 0, 0, 5]}, "validation_error"),
    ("ITCH_NRS", {"score": 11}, "validation_error"),
    ("ITCH_NRS", {"score": 3, "note": "x"}, "validation_error"),
    ("SCORAD", {"score": 3}, "validation_error"),
])
def test_range_and_shape_checks(world: World, instrument: str, components: dict[str, Any], code: str) -> None:
    response = record(world, "dr.one", instrument, components)
    assert response.status_code == 400, response.body
    assert response.json_body["error"]["code"] == code


def test_unknown_visit_is_refused(world: World) -> None:
    response = record(world, "dr.one", "IGA", {"grade": 2}, visitId="room_does_not_exist")
    assert (response.status_code, response.json_body["error"]["code"]) == (400, "unknown_visit")


def test_dlqi_mcid_flags_against_the_previous_score(world: World) -> None:
    first = record(world, "pat.a", "DLQI", dlqi(3, 2, 1, 0, "notRelevant", 1, {"prevented": False, "problem": 2},
                                                None, 0, 3)).json_body
    assert first["total"] == 12 and first["band"] == "very_large_effect"
    better = record(world, "pat.a", "DLQI", dlqi(2, 1, 1, 0, 0, 1, 0, 0, 0, 3)).json_body
    assert better["total"] == 8
    assert better["change"]["delta"] == -4 and better["change"]["previousScoreId"] == first["scoreId"]
    assert [flag["code"] for flag in better["flags"]] == ["mcid_improved"]
    small = record(world, "pat.a", "DLQI", dlqi(2, 1, 1, 0, 0, 1, 1, 0, 0, 3)).json_body
    assert small["change"]["delta"] == 1 and small["flags"] == []
    # Another instrument's history does not count.
    nrs = record(world, "pat.a", "ITCH_NRS", {"score": 2}).json_body
    assert nrs["change"]["previousTotal"] is None
    timeline = world.request("GET", f"/cases/{world.cases['a']}/timeline", user="dr.one").json_body["items"]
    flagged = [e for e in timeline if e["refId"] == better["scoreId"]]
    assert flagged[0]["summary"]["flags"] == ["mcid_improved"]


def test_pasi_response_relative_to_baseline(world: World) -> None:
    record(world, "dr.one", "PASI", pasi(lower=(4, 3, 3, 5)))  # 20.0 baseline
    middle = record(world, "dr.one", "PASI", pasi(lower=(3, 3, 3, 4))).json_body  # 14.4 -> 28%
    assert middle["flags"] == [] and middle["change"]["improvementPercent"] == 28.0
    later = record(world, "dr.one", "PASI", pasi(lower=(2, 2, 1, 2), head=(1, 1, 0, 5))).json_body  # 4.0 + 1.0
    assert later["total"] == 5.0
    assert later["change"]["baselineTotal"] == 20.0 and later["change"]["improvementPercent"] == 75.0
    assert [flag["code"] for flag in later["flags"]] == ["pasi75"]


def test_iga_reaching_almost_clear(world: World) -> None:
    record(world, "dr.one", "IGA", {"grade": 3})
    score = record(world, "dr.one", "IGA", {"grade": 1}).json_body
    assert [flag["code"] for flag in score["flags"]] == ["mcid_improved", "iga_clear_or_almost_clear"]


def test_trend_series_per_instrument(world: World) -> None:
    for value in (7, 5, 2, 4):
        assert record(world, "pat.a", "ITCH_NRS", {"score": value}).status_code == 201
    record(world, "pat.a", "POEM", {"items": [1] * 7})
    path = f"/cases/{world.cases['a']}/scores?instrument=ITCH_NRS"
    series = world.request("GET", path, user="dr.one").json_body
    assert [s["total"] for s in series["items"]] == [7, 5, 2, 4] and series["nextCursor"] is None
    assert [f["code"] for f in series["items"][2]["flags"]] == ["mcid_improved"]  # 5 -> 2
    newest = world.request("GET", path + "&order=desc&limit=2", user="pat.a").json_body
    assert [s["total"] for s in newest["items"]] == [4, 2]
    rest = world.request("GET", path + f"&order=desc&limit=2&cursor={newest['nextCursor']}", user="pat.a").json_body
    assert [s["total"] for s in rest["items"]] == [5, 7]
    everything = world.request("GET", f"/cases/{world.cases['a']}/scores", user="pat.a").json_body["items"]
    assert [s["instrument"] for s in everything] == ["ITCH_NRS"] * 4 + ["POEM"]
    other = world.request("GET", f"/cases/{world.cases['a']}/scores?instrument=POEM&cursor={newest['nextCursor']}",
                          user="pat.a")
    assert (other.status_code, other.json_body["error"]["code"]) == (400, "invalid_cursor")


# What a score item may hold readable: keys, ids, who and when. Everything else is sealed.
READABLE_SCORE_ATTRIBUTES = {"caseId", "scoreKey", "scoreId", "instrument", "recordedAt", "recordedBy",
                             "recorderRole", "onBehalfOfPatient", "visitId", "previousScoreId"}


def _raw_items(world: World, table: str) -> list[dict[str, Any]]:
    import boto3

    client = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=world.endpoint)
    return list(client.scan(TableName=f"dermafollow-local-{table}")["Items"])


@pytest.mark.parametrize(("instrument", "answers"), [
    ("DLQI", dlqi(3, 2, 1, 0, 0, 1, 0, 2, 1, "notRelevant")),
    ("ITCH_NRS", {"score": 7}),  # the total is the whole answer
])
def test_answers_totals_bands_flags_and_deltas_are_sealed_at_rest(world: World, instrument: str,
                                                                  answers: dict[str, Any]) -> None:
    first = record(world, "pat.a", instrument, answers)
    assert first.status_code == 201, first.body
    second = record(world, "pat.a", instrument, answers).json_body
    assert second["change"]["previousTotal"] == first.json_body["total"] and second["change"]["delta"] == 0
    for item in _raw_items(world, "scores"):
        plaintext = set(item) - READABLE_SCORE_ATTRIBUTES
        assert {"componentsSealed", "resultSealed"} <= plaintext <= {"componentsSealed", "detailsSealed",
                                                                   "resultSealed"}, plaintext
        assert all(set(item[name]) == {"B"} for name in plaintext)
        assert "notRelevant" not in repr(item)
    series = world.request("GET", f"/cases/{world.cases['a']}/scores?instrument={instrument}", user="dr.one").json_body
    assert [s["components"] for s in series["items"]] == [answers, answers]
    assert series["items"][1]["total"] == first.json_body["total"]
    assert series["items"][1]["band"] == first.json_body["band"]


def test_a_score_stored_in_plaintext_is_not_answered_until_migrated(world: World) -> None:
    import boto3

    client = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=world.endpoint)
    case = world.cases["a"]
    client.put_item(TableName="dermafollow-local-scores", Item={
        "caseId": {"S": case}, "scoreKey": {"S": "ITCH_NRS#2026-01-01T00:00:00.000Z#sc_legacy0001"},
        "scoreId": {"S": "sc_legacy0001"}, "instrument": {"S": "ITCH_NRS"},
        "recordedAt": {"S": "2026-01-01T00:00:00.000Z"}, "recordedBy": {"S": world.users["pat.a"].user_id},
        "recorderRole": {"S": "patient"}, "onBehalfOfPatient": {"BOOL": False}, "total": {"N": "6"},
        "components": {"S": '{"score":6}'},
    })
    answer = world.request("GET", f"/cases/{case}/scores?instrument=ITCH_NRS", user="pat.a")
    assert answer.status_code == 503, answer.body
    assert '"score"' not in answer.body.decode() and "sc_legacy0001" not in answer.body.decode()
