"""The doctor's worklist of new activity: what patients sent since the doctor's review mark, worsening
first; the doctor's own entries do not count; the mark is per doctor and per case."""

from __future__ import annotations

from typing import Any

from tests.functional.conftest import World


def itch(world: World, score: int, user: str = "pat.a") -> None:
    answer = world.request("POST", f"/cases/{world.cases['a']}/scores", user=user,
                           body={"instrument": "ITCH_NRS", "components": {"score": score}})
    assert answer.status_code == 201, answer.json_body


def activity(world: World, user: str = "dr.one") -> list[dict[str, Any]]:
    answer = world.request("GET", "/worklist/activity", user=user)
    assert answer.status_code == 200, answer.json_body
    items: list[dict[str, Any]] = answer.json_body["items"]
    return items


def test_new_scores_show_until_the_doctor_marks_the_case_reviewed(world: World) -> None:
    assert activity(world) == []
    itch(world, 2)
    itch(world, 8)  # +6 on the itch scale: a meaningful worsening (MCID 3)
    answer = world.request("POST", f"/cases/{world.cases['a']}/scores", user="dr.one",
                           body={"instrument": "IGA", "components": {"grade": 3}})
    assert answer.status_code == 201
    [row] = activity(world)
    assert (row["caseId"], row["newScores"], row["newPhotos"], row["worsened"]) == (
        world.cases["a"], 2, 0, ["ITCH_NRS"])
    assert (row["patientName"], row["condition"]) == ("pat.a", "Plaque psoriasis")
    assert activity(world, "dr.two") == []  # not their case

    reviewed = world.request("POST", f"/cases/{world.cases['a']}/reviewed", user="dr.one", body={})
    assert reviewed.status_code == 200, reviewed.json_body
    assert activity(world) == []
    itch(world, 7)
    [row] = activity(world)
    assert (row["newScores"], row["worsened"], row["reviewedAt"]) == (1, [], reviewed.json_body["reviewedAt"])


def test_only_the_cases_doctors_mark_and_read_it(world: World) -> None:
    assert world.request("POST", f"/cases/{world.cases['a']}/reviewed", user="dr.two", body={}).status_code == 404
    for user in ("pat.a", "ops"):
        assert world.request("GET", "/worklist/activity", user=user).status_code == 403
        assert world.request("POST", f"/cases/{world.cases['a']}/reviewed", user=user, body={}).status_code == 403
    bad = world.request("POST", f"/cases/{world.cases['a']}/reviewed", user="dr.one", body={"at": "now"})
    assert bad.status_code == 400


def consults(world: World, user: str) -> list[dict[str, Any]]:
    answer = world.request("GET", "/worklist/consults", user=user)
    assert answer.status_code == 200, answer.json_body
    items: list[dict[str, Any]] = answer.json_body["items"]
    return items


def test_a_colleague_sees_who_asked_them_to_look_at_which_case_until_the_invitation_ends(world: World) -> None:
    case = world.cases["a"]
    assert consults(world, "dr.three") == []
    invited = world.request("POST", f"/cases/{case}/invitations", user="dr.one",
                            body={"doctorId": world.users["dr.three"].user_id, "expiresInHours": 48})
    assert invited.status_code == 201, invited.json_body
    [row] = consults(world, "dr.three")
    assert (row["caseId"], row["patientName"], row["condition"], row["invitedByName"]) == (
        case, "pat.a", "Plaque psoriasis", "dr.one")
    assert row["until"] == invited.json_body["expiresAt"]
    assert consults(world, "dr.one") == []  # assigned, not asked
    for user in ("pat.a", "ops"):
        assert world.request("GET", "/worklist/consults", user=user).status_code == 403
    ended = world.request("DELETE", f"/cases/{case}/invitations/{world.users['dr.three'].user_id}", user="dr.one")
    assert ended.status_code == 200, ended.json_body
    assert consults(world, "dr.three") == []


QUESTION = "zq-Is this plaque or a fungal infection? Scraping negative."


def test_the_question_is_sealed_and_the_colleague_answers_it_once(world: World) -> None:
    import boto3

    from tests.functional.conftest import REGION

    case, colleague = world.cases["a"], world.users["dr.three"].user_id
    invited = world.request("POST", f"/cases/{case}/invitations", user="dr.one",
                            body={"doctorId": colleague, "expiresInHours": 24, "question": QUESTION})
    assert (invited.status_code, invited.json_body["answer"]) == (201, "pending"), invited.json_body
    [row] = consults(world, "dr.three")
    assert (row["question"], row["answer"]) == (QUESTION, "pending")
    table = boto3.client("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    items = table.scan(TableName="dermafollow-local-case_access")["Items"]
    assert "zq-" not in str(items), "the question is sealed at rest"

    # Only the invited colleague answers, once; a stranger or the inviter is told there is none.
    for user in ("dr.one", "dr.two"):
        refused = world.request("POST", f"/cases/{case}/invitation/answer", user=user, body={"answer": "accepted"})
        assert (refused.status_code, refused.json_body["error"]["code"]) == (404, "invitation_not_found"), user
    assert world.request("POST", f"/cases/{case}/invitation/answer", user="pat.a",
                         body={"answer": "accepted"}).status_code == 403
    assert world.request("POST", f"/cases/{case}/invitation/answer", user="dr.three",
                         body={"answer": "maybe"}).status_code == 400
    accepted = world.request("POST", f"/cases/{case}/invitation/answer", user="dr.three", body={"answer": "accepted"})
    assert (accepted.status_code, accepted.json_body["answer"]) == (200, "accepted"), accepted.json_body
    again = world.request("POST", f"/cases/{case}/invitation/answer", user="dr.three", body={"answer": "declined"})
    assert (again.status_code, again.json_body["error"]["code"]) == (409, "already_answered")
    doctors = world.request("GET", f"/cases/{case}", user="dr.one").json_body["doctors"]
    assert {d["doctorId"]: d.get("answer") for d in doctors}[colleague] == "accepted"


def test_declining_ends_the_colleagues_access_at_once(world: World) -> None:
    case, colleague = world.cases["a"], world.users["dr.three"].user_id
    world.request("POST", f"/cases/{case}/invitations", user="dr.one",
                  body={"doctorId": colleague, "expiresInHours": 24})
    assert world.request("GET", f"/cases/{case}", user="dr.three").status_code == 200
    declined = world.request("POST", f"/cases/{case}/invitation/answer", user="dr.three", body={"answer": "declined"})
    assert (declined.status_code, declined.json_body["answer"]) == (200, "declined"), declined.json_body
    assert world.request("GET", f"/cases/{case}", user="dr.three").status_code == 404
    assert consults(world, "dr.three") == []
