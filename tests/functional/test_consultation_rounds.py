"""Consultation rounds through the API: a lead opens a round on the case's own material, readers read
blinded (the API refuses other reads with `read_first` until theirs is in), the lead closes with a
consensus that lands in the record; free text is sealed at rest, every step is audited, and nobody
outside the case's doctors learns anything (patients 403 by role, other doctors 404)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import numpy as np
import pytest
from statsmodels.stats.inter_rater import cohens_kappa

from functions.bootstrap import get_container
from functions.images.ports import Photo
from tests.functional.conftest import REGION, World
from tests.functional.emr_support import provision_emr

QUESTION = "Psoriasis or eczema on the elbows? (zq-question-11)"
TREATMENT = "Calcipotriol and betamethasone gel for four weeks (zq-treatment-12)"
COMMENT = "Silvery scale argues for psoriasis (zq-comment-13)"
PLAN = "Topical step-up, review in four weeks (zq-plan-14)"
SECRETS = ("zq-question-11", "zq-treatment-12", "zq-comment-13", "zq-plan-14")


@pytest.fixture
def clinic(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """Case a: dr.one assigned, dr.three invited for two hours; dr.two sees only case b."""
    provision_emr(world, monkeypatch)
    invite(world, "dr.three")
    return world


def invite(world: World, doctor: str, hours: int = 2) -> None:
    body = {"doctorId": world.users[doctor].user_id, "expiresInHours": hours}
    assert world.request("POST", f"/cases/{world.cases['a']}/invitations", user="dr.one", body=body).status_code == 201


def a_photo(world: World, case: str = "a", photo_id: str = "ph_20260105T090500_0001") -> str:
    get_container().photo_store.put(Photo(
        case_id=world.cases[case], photo_id=photo_id, body_site="elbow_left", lesion_id=None,
        captured_at="2026-01-05T09:05:00+00:00", uploaded_at="2026-01-05T09:05:10+00:00",
        processed_at="2026-01-05T09:05:12+00:00", uploaded_by=world.users["pat.a"].user_id, uploader_role="patient",
        source="camera", width=1024, height=768, size_bytes=200_000, sha256="ab" * 32))
    return photo_id


def an_iga_score(world: World, case: str = "a", doctor: str = "dr.one") -> str:
    response = world.request("POST", f"/cases/{world.cases[case]}/scores", user=doctor,
                             body={"instrument": "IGA", "components": {"grade": 3}})
    assert response.status_code == 201, response.json_body
    return str(response.json_body["scoreId"])


def rounds_path(world: World, suffix: str = "", case: str = "a") -> str:
    return f"/cases/{world.cases[case]}/consultations{suffix}"


def open_round(world: World, readers: list[str], *, lead: str = "dr.one", **extra: Any) -> Any:
    body = {"question": QUESTION, "readerIds": [world.users[r].user_id for r in readers], **extra}
    return world.request("POST", rounds_path(world), user=lead, body=body)


def read_body(code: str = "L40.0", iga: int = 3, **extra: Any) -> dict[str, Any]:
    return {"code": code, "label": "Psoriasis vulgaris" if code == "L40.0" else "Atopic dermatitis", "iga": iga,
            "treatment": TREATMENT, "confidence": 4, **extra}


def submit(world: World, round_id: str, reader: str, **body: Any) -> Any:
    return world.request("POST", rounds_path(world, f"/{round_id}/reads"), user=reader, body=read_body(**body))


def close(world: World, round_id: str, lead: str = "dr.one", **extra: Any) -> Any:
    body = {"code": "L40.0", "label": "Psoriasis vulgaris", "iga": 3, "plan": PLAN, **extra}
    return world.request("POST", rounds_path(world, f"/{round_id}/close"), user=lead, body=body)


def get_round(world: World, round_id: str, user: str) -> Any:
    return world.request("GET", rounds_path(world, f"/{round_id}"), user=user)


def error(response: Any) -> tuple[int, str]:
    return response.status_code, (response.json_body or {}).get("error", {}).get("code", "")


def audit_actions(world: World) -> list[tuple[str, str, str]]:
    items = world.request("GET", f"/admin/audit?patientId={world.users['pat.a'].user_id}&limit=100",
                          user="ops").json_body["items"]
    return [(e["action"], e["outcome"], e["actorId"]) for e in items]


def test_two_readers_read_blinded_and_the_lead_closes_into_the_record(clinic: World) -> None:
    world = clinic
    one, three = world.users["dr.one"].user_id, world.users["dr.three"].user_id
    photo, score = a_photo(world), an_iga_score(world)
    opened = open_round(world, ["dr.one", "dr.three"], photoIds=[photo], scoreIds=[score])
    assert opened.status_code == 201, opened.json_body
    round_id = opened.json_body["roundId"]
    assert (opened.json_body["photoIds"], opened.json_body["scoreIds"]) == ([photo], [score])

    # dr.three, not read yet: only their own state; the reads answer read_first.
    blinded = get_round(world, round_id, "dr.three").json_body
    assert blinded["question"] == QUESTION and blinded["hiddenReason"] == "read_first"
    assert (blinded["reads"], blinded["readsIn"], blinded["readers"], blinded["agreement"]) == (None, None, None, None)
    assert error(world.request("GET", rounds_path(world, f"/{round_id}/reads"), user="dr.three")) == (403, "read_first")

    # The lead reads (also blinded until then), with a different diagnosis from what dr.three will give.
    assert error(world.request("GET", rounds_path(world, f"/{round_id}/reads"), user="dr.one")) == (403, "read_first")
    mine = submit(world, round_id, "dr.one", code="L20.9", iga=2, comment=COMMENT, pasi=8.5)
    assert mine.status_code == 201, mine.json_body
    assert [r["readerId"] for r in mine.json_body["reads"]] == [one] and mine.json_body["readsVisible"]
    # dr.one's read is in: dr.three still sees nothing of it, nor that it exists.
    still = get_round(world, round_id, "dr.three").json_body
    assert still["reads"] is None and still["readsIn"] is None and "L20.9" not in json.dumps(still)
    listed = world.request("GET", rounds_path(world), user="dr.three").json_body["items"]
    assert [r["roundId"] for r in listed] == [round_id] and listed[0]["reads"] is None
    assert "L20.9" not in json.dumps(listed)

    theirs = submit(world, round_id, "dr.three")
    assert theirs.status_code == 201, theirs.json_body
    body = theirs.json_body
    assert sorted((r["readerId"], r["code"]) for r in body["reads"]) == sorted([(one, "L20.9"), (three, "L40.0")])
    assert body["agreement"] == {"reads": 2, "pairs": 1, "diagnosis": 0.0, "severity": 0.0}
    assert body["myRead"]["treatment"] == TREATMENT
    reads = world.request("GET", rounds_path(world, f"/{round_id}/reads"), user="dr.three").json_body
    assert {r["readerId"]: r["comment"] for r in reads["items"]} == {one: COMMENT, three: None}

    closed = close(world, round_id)
    assert closed.status_code == 200, closed.json_body
    consensus = closed.json_body["consensus"]
    assert (closed.json_body["status"], consensus["code"], consensus["plan"]) == ("closed", "L40.0", PLAN)
    assert closed.json_body["agreement"]["withConsensus"] == 0.5
    entry = world.request("GET", f"/cases/{world.cases['a']}/records/{consensus['recordEntryId']}",
                          user="dr.three").json_body
    assert (entry["kind"], entry["content"]["code"], entry["createdBy"]) == ("diagnosis", "L40.0", one)
    assert PLAN in entry["content"]["note"] and entry["links"]["photoIds"] == [photo]

    # Free text is sealed at rest, in both tables.
    ddb = boto3.resource("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    for table in ("consultation_rounds", "consultation_reads"):
        stored = repr(ddb.Table(f"dermafollow-local-{table}").scan()["Items"])
        assert not any(secret in stored for secret in SECRETS), table
    actions = audit_actions(world)
    for action in ("consultation.open", "consultation.submit", "consultation.get", "consultation.list",
                   "consultation.close", "record.create"):
        assert any(a == action and outcome == "success" for a, outcome, _ in actions), action
    assert ("consultation.reads", "denied", three) in actions


def test_a_lead_who_does_not_read_sees_the_count_then_the_reads_once_all_are_in(clinic: World) -> None:
    world = clinic
    invite(world, "dr.two")
    round_id = open_round(world, ["dr.two", "dr.three"]).json_body["roundId"]
    assert submit(world, round_id, "dr.two").status_code == 201
    waiting = get_round(world, round_id, "dr.one").json_body
    assert (waiting["readsIn"], waiting["reads"], waiting["hiddenReason"]) == (1, None, "reads_hidden")
    assert [r["read"] for r in waiting["readers"]] == [True, False]
    assert error(world.request("GET", rounds_path(world, f"/{round_id}/reads"), user="dr.one")) == (403, "reads_hidden")
    assert submit(world, round_id, "dr.three", code="L20.9").status_code == 201
    ready = get_round(world, round_id, "dr.one").json_body
    assert ready["readsVisible"] and len(ready["reads"]) == 2


def test_one_read_each_only_readers_read_only_the_lead_closes_once(clinic: World) -> None:
    world = clinic
    round_id = open_round(world, ["dr.three"]).json_body["roundId"]
    assert error(submit(world, round_id, "dr.one")) == (403, "not_a_reader")
    assert error(close(world, round_id)) == (409, "no_reads")
    assert submit(world, round_id, "dr.three").status_code == 201
    assert error(submit(world, round_id, "dr.three")) == (409, "already_read")
    assert error(close(world, round_id, lead="dr.three")) == (403, "not_the_lead")
    assert close(world, round_id).status_code == 200
    assert error(close(world, round_id)) == (409, "round_closed")
    unknown = "cr_0000000000000000000000"
    assert error(get_round(world, unknown, "dr.one")) == (404, "round_not_found")
    records = world.request("GET", f"/cases/{world.cases['a']}/records?kind=diagnosis", user="dr.one").json_body
    assert len(records["items"]) == 1  # the refused second close wrote nothing


def test_a_reader_who_did_not_read_before_closing_cannot_read_after(clinic: World) -> None:
    world = clinic
    round_id = open_round(world, ["dr.one", "dr.three"]).json_body["roundId"]
    assert submit(world, round_id, "dr.one").status_code == 201
    assert close(world, round_id).status_code == 200
    assert error(submit(world, round_id, "dr.three")) == (409, "round_closed")
    late = get_round(world, round_id, "dr.three").json_body
    assert late["readsVisible"] and [r["code"] for r in late["reads"]] == ["L40.0"]


@pytest.mark.parametrize(("body", "code"), [
    ({"question": ""}, "validation_error"),
    ({"question": "   "}, "question_required"),
    ({"readerIds": []}, "validation_error"),
    ({"readerIds": ["not a user id!"]}, "validation_error"),
    ({"stars": 5}, "validation_error"),
    ({"photoIds": ["ph_20990101T000000_9999"]}, "photo_not_on_case"),
    ({"scoreIds": ["sc_00000000nope"]}, "score_not_on_case"),
])
def test_opening_refuses_bad_input(clinic: World, body: dict[str, Any], code: str) -> None:
    base = {"question": QUESTION, "readerIds": [clinic.users["dr.three"].user_id]}
    assert error(clinic.request("POST", rounds_path(clinic), user="dr.one", body={**base, **body})) == (400, code)


def test_readers_and_material_must_be_the_cases_own(clinic: World) -> None:
    world = clinic
    for stranger in ("dr.two", "pat.a"):  # a doctor of another case; the patient
        assert error(open_round(world, [stranger])) == (400, "reader_not_on_case"), stranger
    other_photo = a_photo(world, case="b", photo_id="ph_20260105T090500_0009")
    assert error(open_round(world, ["dr.three"], photoIds=[other_photo])) == (400, "photo_not_on_case")
    other_score = an_iga_score(world, case="b", doctor="dr.two")
    assert error(open_round(world, ["dr.three"], scoreIds=[other_score])) == (400, "score_not_on_case")


@pytest.mark.parametrize("body", [
    {"code": "psoriasis"}, {"iga": 5}, {"iga": -1}, {"confidence": 0}, {"confidence": 6}, {"pasi": 72.5},
    {"treatment": ""}, {"comment": "x" * 2001}, {"extra": 1},
])
def test_a_read_refuses_bad_input(clinic: World, body: dict[str, Any]) -> None:
    round_id = open_round(clinic, ["dr.three"]).json_body["roundId"]
    sent = {**read_body(), **body}
    response = clinic.request("POST", rounds_path(clinic, f"/{round_id}/reads"), user="dr.three", body=sent)
    assert error(response) == (400, "validation_error")
    assert error(submit(clinic, round_id, "dr.three", treatment="  ")) == (400, "treatment_required")


def test_nobody_outside_the_cases_doctors_learns_anything(clinic: World) -> None:
    world = clinic
    round_id = open_round(world, ["dr.one", "dr.three"]).json_body["roundId"]
    routes = [("POST", rounds_path(world), {"question": QUESTION, "readerIds": [world.users["dr.one"].user_id]}),
              ("GET", rounds_path(world), None), ("GET", rounds_path(world, f"/{round_id}"), None),
              ("POST", rounds_path(world, f"/{round_id}/reads"), read_body()),
              ("GET", rounds_path(world, f"/{round_id}/reads"), None),
              ("POST", rounds_path(world, f"/{round_id}/close"), {"code": "L40.0", "label": "x", "plan": "y"})]
    for method, path, body in routes:
        assert error(world.request(method, path, user="dr.two", body=body)) == (404, "case_not_found"), path
        for user in ("pat.a", "pat.b", "ops"):
            assert error(world.request(method, path, user=user, body=body)) == (403, "wrong_role"), (path, user)
        assert world.request(method, path, body=body).status_code == 401, path
    # Another case's id with this round: not found either (the round belongs to case a).
    assert error(world.request("GET", rounds_path(world, f"/{round_id}", case="b"), user="dr.two")) == (
        404, "round_not_found")
    for path in ("/analytics/agreement", "/doctors/me/agreement"):
        for user in ("pat.a", "ops"):
            assert error(world.request("GET", path, user=user)) == (403, "wrong_role")
        assert world.request("GET", path).status_code == 401
    refusals = [a for a in audit_actions(world) if a[1] == "denied" and a[2] == world.users["dr.two"].user_id]
    assert len(refusals) >= len(routes)


def test_an_ended_invitation_ends_the_readers_access_at_once(clinic: World) -> None:
    world = clinic
    round_id = open_round(world, ["dr.one", "dr.three"]).json_body["roundId"]
    three = world.users["dr.three"].user_id
    assert world.request("DELETE", f"/cases/{world.cases['a']}/invitations/{three}", user="dr.one").status_code in (
        200, 204)
    assert error(get_round(world, round_id, "dr.three")) == (404, "case_not_found")
    assert error(submit(world, round_id, "dr.three")) == (404, "case_not_found")
    assert error(open_round(world, ["dr.three"])) == (400, "reader_not_on_case")


def test_agreement_figures_through_the_api(clinic: World) -> None:
    world = clinic
    one, three = world.users["dr.one"].user_id, world.users["dr.three"].user_id
    # Four closed rounds read by dr.one and dr.three: codes (one, three) and grades.
    plan = [(("L40.0", 3), ("L40.0", 3)), (("L40.0", 2), ("L20.9", 2)), (("L20.9", 1), ("L20.9", 2)),
            (("L40.0", 4), ("L40.0", 3))]
    for (code_one, iga_one), (code_three, iga_three) in plan:
        round_id = open_round(world, ["dr.one", "dr.three"]).json_body["roundId"]
        assert submit(world, round_id, "dr.one", code=code_one, iga=iga_one).status_code == 201
        assert submit(world, round_id, "dr.three", code=code_three, iga=iga_three).status_code == 201
        assert close(world, round_id, code=code_one, iga=iga_one).status_code == 200
    figures = world.request("GET", "/analytics/agreement", user="dr.two")
    assert figures.status_code == 200, figures.json_body
    body = figures.json_body
    assert body["rounds"] == 4 and body["rawAgreement"] == {"n": 4, "diagnosis": 0.75, "severity": 0.5}
    [pair] = body["cohenPairs"]
    assert pair["doctorIds"] == sorted([one, three]) and pair["n"] == 4
    first_is_one = pair["doctorIds"][0] == one
    pairs = [(a[0], b[0]) if first_is_one else (b[0], a[0]) for a, b in plan]
    categories = sorted({c for p in pairs for c in p})
    table = np.zeros((len(categories), len(categories)))
    for a, b in pairs:
        table[categories.index(a), categories.index(b)] += 1
    reference = cohens_kappa(table)
    assert pair["value"] == pytest.approx(reference.kappa, abs=1e-3)
    assert (pair["ciLow"], pair["ciHigh"]) == (pytest.approx(reference.kappa_low, abs=1e-3),
                                               pytest.approx(reference.kappa_upp, abs=1e-3))
    assert body["fleissDiagnosis"]["n"] == 4 and body["fleissDiagnosis"]["readsPerRound"] == 2
    assert body["alphaSeverity"]["n"] == 4 and body["alphaSeverity"]["ciMethod"] == "bootstrap"
    assert "zq-" not in json.dumps(body) and world.users["pat.a"].user_id not in json.dumps(body)

    mine = world.request("GET", "/doctors/me/agreement", user="dr.three").json_body
    assert mine["overall"]["diagnosis"]["n"] == 4 and mine["overall"]["diagnosis"]["value"] == 0.75
    assert mine["overall"]["severity"]["value"] == 0.5
    assert len(mine["months"]) == 12 and mine["months"][-1]["diagnosis"]["n"] == 4
    lead = world.request("GET", "/doctors/me/agreement", user="dr.one").json_body
    assert lead["overall"]["diagnosis"]["value"] == 1.0
    nobody = world.request("GET", "/doctors/me/agreement", user="dr.two").json_body
    assert nobody["overall"]["diagnosis"] == {"value": None, "n": 0, "ciLow": None, "ciHigh": None,
                                              "ciMethod": "none", "undefined": "too_few"}


def awaiting(world: World, user: str, query: str = "") -> Any:
    return world.request("GET", f"/worklist/reads{query}", user=user)


def awaiting_ids(world: World, user: str) -> list[str]:
    answer = awaiting(world, user)
    assert answer.status_code == 200, answer.json_body
    return [item["roundId"] for item in answer.json_body["items"]]


def test_the_home_page_lists_the_rounds_awaiting_the_readers_read(clinic: World) -> None:
    world = clinic
    both = open_round(world, ["dr.one", "dr.three"]).json_body["roundId"]
    only_three = open_round(world, ["dr.three"]).json_body["roundId"]
    assert awaiting_ids(world, "dr.one") == [both]
    answer = awaiting(world, "dr.three").json_body
    assert [item["roundId"] for item in answer["items"]] == [both, only_three] and answer["nextCursor"] is None
    first = answer["items"][0]
    assert (first["caseId"], first["patientName"], first["condition"], first["leadName"], first["question"]) == (
        world.cases["a"], "pat.a", "Plaque psoriasis", "dr.one", QUESTION)
    assert "readsIn" not in first and "readers" not in first  # blinded, as the round is
    assert ("worklist.reads", "success", world.users["dr.three"].user_id) in audit_actions(world)

    # Nobody else learns of them: a doctor of another case sees none, patients and admins are refused.
    assert awaiting_ids(world, "dr.two") == []
    for user in ("pat.a", "pat.b", "ops"):
        assert error(awaiting(world, user)) == (403, "wrong_role"), user
    assert world.request("GET", "/worklist/reads").status_code == 401
    assert error(awaiting(world, "dr.one", "?limit=0")) == (400, "validation_error")

    # A read takes the round off the reader's list; closing takes it off everyone's.
    assert submit(world, only_three, "dr.three").status_code == 201
    assert awaiting_ids(world, "dr.three") == [both]
    assert submit(world, both, "dr.one").status_code == 201
    assert close(world, both).status_code == 200
    assert awaiting_ids(world, "dr.three") == [] and awaiting_ids(world, "dr.one") == []

    # An ended invitation ends the list at once, with the access.
    open_round(world, ["dr.three"])
    assert len(awaiting_ids(world, "dr.three")) == 1
    three = world.users["dr.three"].user_id
    world.request("DELETE", f"/cases/{world.cases['a']}/invitations/{three}", user="dr.one")
    assert awaiting_ids(world, "dr.three") == []


def test_the_rounds_awaiting_a_read_page_over_the_readers_cases(clinic: World,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.worklist import service

    world = clinic
    monkeypatch.setattr(service, "ROUND_CASES_PER_PAGE", 1)  # one case a page, to page with two cases
    body = {"doctorId": world.users["dr.three"].user_id, "expiresInHours": 2}
    assert world.request("POST", f"/cases/{world.cases['b']}/invitations", user="dr.two", body=body).status_code == 201
    on_a = open_round(world, ["dr.three"]).json_body["roundId"]
    on_b = world.request("POST", rounds_path(world, case="b"), user="dr.two",
                         body={"question": QUESTION, "readerIds": [world.users["dr.three"].user_id]})
    assert on_b.status_code == 201, on_b.json_body
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(4):
        answer = awaiting(world, "dr.three", f"?limit=1{f'&cursor={cursor}' if cursor else ''}")
        assert answer.status_code == 200, answer.json_body
        assert len(answer.json_body["items"]) <= 1
        seen += [item["roundId"] for item in answer.json_body["items"]]
        cursor = answer.json_body["nextCursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted([on_a, on_b.json_body["roundId"]]) and cursor is None
    # dr.two reads case b only: the round on case a stays out of their list, and b's does not name them.
    assert awaiting_ids(world, "dr.two") == []
