"""Consultation: the invited colleague is told live (a notice and a `notice.new` frame), and the
case's discussion among its doctors. Roles and ownership for every route: the patient, an outsider
doctor, the invited colleague (accepted, declined, revoked, expired), an admin."""

from __future__ import annotations

import time
from typing import Any

import pytest

from functions.bootstrap import get_container, reset_container
from tests.functional.conftest import REGION, World
from tests.functional.emr_support import create_entry, provision_emr
from tests.support.ws import Sockets

QUESTION = "zq-question: would you start a biologic here?"
TEXT = "zq-discussion: the left elbow plaque looks thicker than in March."


@pytest.fixture
def ws(world: World, monkeypatch: pytest.MonkeyPatch) -> Sockets:
    monkeypatch.setenv("WS_MANAGEMENT_ENDPOINT", world.endpoint)  # moto serves it at its root only
    reset_container()
    return Sockets(world, REGION)


def uid(world: World, user: str) -> str:
    return world.users[user].user_id


def invite(world: World, colleague: str = "dr.three", hours: int = 24, question: str = QUESTION) -> Any:
    return world.request("POST", f"/cases/{world.cases['a']}/invitations", user="dr.one",
                         body={"doctorId": uid(world, colleague), "expiresInHours": hours, "question": question})


def answer(world: World, verb: str, user: str = "dr.three") -> Any:
    return world.request("POST", f"/cases/{world.cases['a']}/invitation/answer", user=user, body={"answer": verb})


def code(response: Any) -> tuple[int, str]:
    return response.status_code, (response.json_body or {}).get("error", {}).get("code", "")


def audit_actions(world: World) -> list[str]:
    trail = world.request("GET", f"/admin/audit?patientId={uid(world, 'pat.a')}&limit=100", user="ops")
    return [item["action"] for item in trail.json_body["items"]]


# --- the invitation notice ------------------------------------------------------------------------
def test_the_invited_colleague_alone_is_told_live_and_the_answer_reads_the_notice(world: World,
                                                                                 ws: Sockets) -> None:
    colleague = ws.connect("dr.three", "c-dr-three")
    bystanders = [ws.connect("dr.two", "c-dr-two"), ws.connect("pat.a", "c-pat-a"), ws.connect("dr.one", "c-dr-one")]
    ws.drain(colleague, *bystanders)
    sent = invite(world)
    assert sent.status_code == 201, sent.json_body

    frames = [f for f in ws.new(colleague) if f.get("type") == "notice.new"]
    assert [(f["kind"], f["caseId"], f["read"]) for f in frames] == [("consult.invitation", world.cases["a"], False)]
    assert QUESTION not in str(frames)  # ids and a kind only over the socket
    assert all(ws.new(other) == [] for other in bystanders)
    notices = world.request("GET", "/notices", user="dr.three").json_body
    assert [(n["kind"], n["caseId"], n["read"]) for n in notices["items"]] == [
        ("consult.invitation", world.cases["a"], False)]
    assert world.request("GET", "/notices", user="dr.two").json_body["items"] == []

    accepted = answer(world, "accepted")
    assert accepted.status_code == 200, accepted.json_body
    assert world.request("GET", "/notices", user="dr.three").json_body["unread"] == 0


# --- the discussion --------------------------------------------------------------------------------
@pytest.fixture
def consult(world: World, ws: Sockets, monkeypatch: pytest.MonkeyPatch) -> World:
    provision_emr(world, monkeypatch)
    invite(world)
    assert answer(world, "accepted").status_code == 200
    return world


def post(world: World, text: str = TEXT, user: str = "dr.one", refs: list[dict[str, str]] | None = None) -> Any:
    return world.request("POST", f"/cases/{world.cases['a']}/discussion", user=user,
                         body={"text": text, "refs": refs or []})


def test_a_message_reaches_the_cases_other_doctors_live_and_counts_as_unread(consult: World, ws: Sockets) -> None:
    world = consult
    sockets = {user: ws.connect(user, f"c-{user.replace('.', '-')}") for user in
               ("dr.one", "dr.three", "dr.two", "pat.a", "ops")}
    ws.drain(*sockets.values())
    entry = create_entry(world, "note")
    posted = post(world, refs=[{"kind": "record", "id": entry["entryId"]}])
    assert posted.status_code == 201, posted.json_body
    message = posted.json_body
    assert (message["text"], message["refs"], message["authorId"]) == (
        TEXT, [{"kind": "record", "id": entry["entryId"]}], uid(world, "dr.one"))

    frames = ws.new(sockets["dr.three"])
    assert frames == [{"type": "discussion.message", "caseId": world.cases["a"], "messageId": message["messageId"],
                       "authorId": uid(world, "dr.one"), "retracted": False}]
    for user in ("dr.one", "dr.two", "pat.a", "ops"):  # not the author, an outsider, the patient, an admin
        assert [f for f in ws.new(sockets[user]) if f.get("type") == "discussion.message"] == [], user

    unread = world.request("GET", "/discussions/unread", user="dr.three").json_body["items"]
    assert unread == [{"caseId": world.cases["a"], "unread": 1}]
    assert world.request("GET", "/discussions/unread", user="dr.one").json_body["items"] == []  # own message
    page = world.request("GET", f"/cases/{world.cases['a']}/discussion", user="dr.three").json_body
    assert [m["text"] for m in page["items"]] == [TEXT]
    read = world.request("POST", f"/cases/{world.cases['a']}/discussion/read", user="dr.three",
                         body={"messageId": message["messageId"]})
    assert (read.status_code, read.json_body["unread"]) == (200, 0)
    assert world.request("GET", "/discussions/unread", user="dr.three").json_body["items"] == []
    actions = audit_actions(world)
    assert {"discussion.post", "discussion.read"} <= set(actions)


def test_the_text_is_sealed_at_rest(consult: World) -> None:
    import boto3

    post(consult)
    table = boto3.client("dynamodb", region_name=REGION, endpoint_url=consult.endpoint)
    name = get_container().settings.table_name("case_discussion")
    items = table.scan(TableName=name)["Items"]
    assert items and "zq-discussion" not in str(items)


def test_references_must_be_the_cases_own(consult: World) -> None:
    world = consult
    other = create_entry(world, "note", user="dr.two", case="b")
    for ref in ({"kind": "record", "id": other["entryId"]}, {"kind": "photo", "id": "ph_" + "x" * 20},
                {"kind": "score", "id": "sc_" + "y" * 16}):
        assert code(post(world, refs=[ref])) == (400, "unknown_reference"), ref
    assert code(world.request("POST", f"/cases/{world.cases['a']}/discussion", user="dr.one",
                              body={"text": "x", "refs": [{"kind": "lesion", "id": "l" * 10}]}))[0] == 400
    assert code(post(world, text="   ")) == (400, "empty_message")


def test_retraction_leaves_a_trace_and_only_the_author_retracts(consult: World, ws: Sockets) -> None:
    world = consult
    message = post(world).json_body
    path = f"/cases/{world.cases['a']}/discussion/{message['messageId']}/retract"
    assert code(world.request("POST", path, user="dr.three", body={})) == (403, "not_author")
    colleague = ws.connect("dr.three", "c-dr-three")
    ws.drain(colleague)
    retracted = world.request("POST", path, user="dr.one", body={})
    assert retracted.status_code == 200
    assert (retracted.json_body["retracted"], retracted.json_body["text"], retracted.json_body["retractedBy"]) == (
        True, None, uid(world, "dr.one"))
    assert ws.new(colleague)[-1]["retracted"] is True
    assert code(world.request("POST", path, user="dr.one", body={})) == (409, "already_retracted")
    listed = world.request("GET", f"/cases/{world.cases['a']}/discussion", user="dr.three").json_body["items"]
    assert [(m["messageId"], m["retracted"], m["text"]) for m in listed] == [(message["messageId"], True, None)]
    assert "discussion.retract" in audit_actions(world)


def test_the_thread_pages_newest_first_with_a_cursor(consult: World) -> None:
    world = consult
    texts = [f"message {n}" for n in range(5)]
    for text in texts:
        assert post(world, text=text).status_code == 201
    seen: list[str] = []
    cursor = ""
    while True:
        query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
        page = world.request("GET", f"/cases/{world.cases['a']}/discussion{query}", user="dr.three").json_body
        seen.extend(m["text"] for m in page["items"])
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == texts[::-1]
    foreign = world.request("GET", f"/cases/{world.cases['b']}/discussion?limit=2", user="dr.two").json_body
    assert foreign["items"] == []


@pytest.mark.parametrize(("user", "expected"), [
    ("pat.a", (403, "wrong_role")), ("ops", (403, "wrong_role")), ("dr.two", (404, "case_not_found"))])
def test_patients_outsiders_and_admins_get_nothing(consult: World, user: str, expected: tuple[int, str]) -> None:
    world = consult
    message = post(world).json_body
    case = world.cases["a"]
    for method, path, body in (("GET", f"/cases/{case}/discussion", None),
                               ("POST", f"/cases/{case}/discussion", {"text": "hello"}),
                               ("POST", f"/cases/{case}/discussion/{message['messageId']}/retract", {}),
                               ("POST", f"/cases/{case}/discussion/read", {"messageId": message["messageId"]})):
        assert code(world.request(method, path, user=user, body=body)) == expected, (method, path)
    assert world.request("GET", "/discussions/unread", user="dr.two").json_body["items"] == []


@pytest.mark.parametrize("end", ["revoke", "expire", "decline"])
def test_a_colleague_whose_grant_ended_reads_and_hears_nothing(consult: World, ws: Sockets, end: str) -> None:
    world = consult
    colleague = ws.connect("dr.three", "c-dr-three")
    if end == "revoke":
        world.request("DELETE", f"/cases/{world.cases['a']}/invitations/{uid(world, 'dr.three')}", user="dr.one")
    elif end == "decline":
        world.request("DELETE", f"/cases/{world.cases['a']}/invitations/{uid(world, 'dr.three')}", user="dr.one")
        invite(world)
        assert answer(world, "declined").status_code == 200
    else:
        later = time.time() + 25 * 3600
        get_container().access._clock = lambda: later
    ws.drain(colleague)
    assert post(world).status_code == 201
    assert [f for f in ws.new(colleague) if f.get("type") == "discussion.message"] == []
    assert code(world.request("GET", f"/cases/{world.cases['a']}/discussion", user="dr.three")) == (
        404, "case_not_found")
    assert code(post(world, user="dr.three")) == (404, "case_not_found")
