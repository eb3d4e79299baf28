"""The medical record through the API: entries, versions, retraction, access matrix, audit, encryption
at rest and the FHIR export, against the moto server."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from functions.bootstrap import get_container
from functions.shared.auth import Principal, Role
from functions.shared.errors import Conflict
from functions.shared.tables import RECORDS, TABLES
from tests.functional.conftest import REGION, World
from tests.functional.emr_support import (
    AMENDED_TEXT,
    ANCHOR_BUCKET,
    RETRACTION_REASON,
    SAMPLES,
    create_entry,
    protected_values,
    provision_emr,
)

USERS = ("anonymous", "nobody", "ops", "pat.b", "dr.two", "dr.three", "pat.a", "dr.one")
CLINICAL_READ = {"anonymous": 401, "nobody": 403, "ops": 403, "pat.b": 404, "dr.two": 404, "dr.three": 404,
                 "pat.a": 200, "dr.one": 200}
DOCTOR_WRITE = {**CLINICAL_READ, "pat.a": 403, "pat.b": 403}


@pytest.fixture
def emr(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    provision_emr(world, monkeypatch)
    return world


def table(logical_name: str) -> str:
    return f"dermafollow-local-{logical_name}"


def entry_path(world: World, entry: dict[str, Any], suffix: str = "") -> str:
    return f"/cases/{entry['caseId']}/records/{entry['entryId']}{suffix}"


def status_by_user(world: World, method: str, path: str | Callable[[], str], body: Any = None) -> dict[str, int]:
    """Every user, in USERS order (the assigned doctor last: a successful write changes state)."""
    seen: dict[str, int] = {}
    for user in USERS:
        target = path() if callable(path) else path
        response = world.request(method, target, user=None if user == "anonymous" else user, body=body)
        seen[user] = response.status_code
    return seen


def doctor(world: World, username: str = "dr.one") -> Principal:
    return Principal(world.users[username].user_id, username, frozenset({Role.DOCTOR}))


def admin_audit(world: World, patient: str = "pat.a") -> list[dict[str, Any]]:
    response = world.request("GET", f"/admin/audit?patientId={world.users[patient].user_id}&limit=100", user="ops")
    assert response.status_code == 200, response.body
    items: list[dict[str, Any]] = response.json_body["items"]
    return items


# --- entries of every kind ----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(SAMPLES))
def test_doctor_writes_every_kind_and_reads_it_back(emr: World, kind: str) -> None:
    created = create_entry(emr, kind)
    assert created["kind"] == kind and created["version"] == 1 and created["status"] == "active"
    assert created["entryId"].startswith({"note": "nt_", "diagnosis": "dx_", "prescription": "rx_",
                                          "plan": "tp_", "followup": "fu_"}[kind])
    read = emr.request("GET", entry_path(emr, created), user="dr.one").json_body
    assert read == created
    listed = emr.request("GET", f"/cases/{emr.cases['a']}/records?kind={kind}", user="dr.one").json_body
    assert [item["entryId"] for item in listed["items"]] == [created["entryId"]]


@pytest.mark.parametrize(
    ("kind", "content"),
    [
        ("diagnosis", {**SAMPLES["diagnosis"], "code": "psoriasis"}),
        ("diagnosis", {**SAMPLES["diagnosis"], "clinicalStatus": "maybe"}),
        ("prescription", {**SAMPLES["prescription"], "route": "nasal-spray"}),
        ("prescription", {k: v for k, v in SAMPLES["prescription"].items() if k != "duration"}),
        ("prescription", {**SAMPLES["prescription"], "duration": {"value": 0, "unit": "week"}}),
        ("note", {}),
        ("note", {**SAMPLES["note"], "diagnosis": "not a SOAP section"}),
        ("followup", {**SAMPLES["followup"], "dueDate": "next week"}),
    ],
)
def test_content_is_checked_against_its_kind(emr: World, kind: str, content: dict[str, Any]) -> None:
    response = emr.request("POST", f"/cases/{emr.cases['a']}/records", user="dr.one",
                           body={"kind": kind, "content": content})
    assert response.status_code == 400, response.body
    assert response.json_body["error"]["code"] == "validation_error"


def test_links_must_name_visits_of_the_same_case(emr: World) -> None:
    own_visit = seed_visit(emr, "a")
    other_visit = seed_visit(emr, "b")
    linked = create_entry(emr, "diagnosis", links={"visitIds": [own_visit], "photoIds": ["photo_0001"]})
    assert linked["links"] == {"visitIds": [own_visit], "photoIds": ["photo_0001"]}
    response = emr.request("POST", f"/cases/{emr.cases['a']}/records", user="dr.one",
                           body={"kind": "diagnosis", "content": SAMPLES["diagnosis"],
                                 "links": {"visitIds": [other_visit]}})
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "unknown_visit"


# --- the role and ownership matrix, route by route ------------------------------------------------------
def test_matrix_create(emr: World) -> None:
    body = {"kind": "diagnosis", "content": SAMPLES["diagnosis"]}
    seen = status_by_user(emr, "POST", f"/cases/{emr.cases['a']}/records", body)
    assert seen == {**DOCTOR_WRITE, "dr.one": 201}


def test_matrix_list(emr: World) -> None:
    create_entry(emr, "diagnosis")
    assert status_by_user(emr, "GET", f"/cases/{emr.cases['a']}/records") == CLINICAL_READ


def test_matrix_read(emr: World) -> None:
    entry = create_entry(emr, "diagnosis")
    assert status_by_user(emr, "GET", entry_path(emr, entry)) == CLINICAL_READ


def test_matrix_amend(emr: World) -> None:
    entry = create_entry(emr, "diagnosis")
    body = {"expectedVersion": 1, "content": {**SAMPLES["diagnosis"], "text": AMENDED_TEXT}}
    assert status_by_user(emr, "PUT", entry_path(emr, entry), body) == DOCTOR_WRITE


def test_matrix_retract(emr: World) -> None:
    entry = create_entry(emr, "prescription")
    body = {"expectedVersion": 1, "reason": RETRACTION_REASON}
    assert status_by_user(emr, "POST", entry_path(emr, entry, "/retract"), body) == DOCTOR_WRITE


def test_matrix_history(emr: World) -> None:
    entry = create_entry(emr, "diagnosis")
    assert status_by_user(emr, "GET", entry_path(emr, entry, "/history")) == DOCTOR_WRITE


def test_matrix_case_export(emr: World) -> None:
    create_entry(emr, "diagnosis")
    assert status_by_user(emr, "GET", f"/cases/{emr.cases['a']}/fhir") == CLINICAL_READ


def test_matrix_patient_export(emr: World) -> None:
    create_entry(emr, "diagnosis")
    assert status_by_user(emr, "GET", f"/patients/{emr.users['pat.a'].user_id}/fhir") == CLINICAL_READ


def test_matrix_admin_audit(emr: World) -> None:
    create_entry(emr, "diagnosis")
    seen = status_by_user(emr, "GET", f"/admin/audit?patientId={emr.users['pat.a'].user_id}")
    assert seen == {user: 401 if user == "anonymous" else 200 if user == "ops" else 403 for user in USERS}


def test_refusals_do_not_tell_a_missing_record_from_a_forbidden_one(emr: World) -> None:
    entry = create_entry(emr, "diagnosis")
    other_case = emr.request("GET", entry_path(emr, entry), user="dr.two").json_body["error"]["code"]
    missing_case = emr.request("GET", "/cases/case_doesnotexist00/records", user="dr.two").json_body
    missing_entry = emr.request("GET", f"/cases/{emr.cases['a']}/records/dx_doesnotexist000", user="dr.one")
    assert other_case == missing_case["error"]["code"] == "case_not_found"
    assert missing_entry.status_code == 404 and missing_entry.json_body["error"]["code"] == "record_not_found"


def test_an_invited_doctor_writes_and_reads(emr: World) -> None:
    invite = {"doctorId": emr.users["dr.three"].user_id, "expiresInHours": 2}
    assert emr.request("POST", f"/cases/{emr.cases['a']}/invitations", user="dr.one", body=invite).status_code == 201
    created = create_entry(emr, "note", user="dr.three")
    assert emr.request("GET", entry_path(emr, created), user="dr.three").status_code == 200
    assert emr.request("GET", entry_path(emr, created, "/history"), user="dr.three").status_code == 200


def test_the_patient_reads_a_summary_without_notes_or_retracted_entries(emr: World) -> None:
    entries = {kind: create_entry(emr, kind) for kind in SAMPLES}
    retracted = create_entry(emr, "diagnosis")
    emr.request("POST", entry_path(emr, retracted, "/retract"), user="dr.one",
                body={"expectedVersion": 1, "reason": RETRACTION_REASON})

    summary = emr.request("GET", f"/cases/{emr.cases['a']}/records", user="pat.a").json_body["items"]
    assert {item["kind"] for item in summary} == {"diagnosis", "prescription", "plan", "followup"}
    assert retracted["entryId"] not in {item["entryId"] for item in summary}
    assert emr.request("GET", entry_path(emr, entries["note"]), user="pat.a").status_code == 404
    assert emr.request("GET", entry_path(emr, retracted), user="pat.a").status_code == 404
    assert emr.request("GET", f"/cases/{emr.cases['a']}/records?kind=note", user="pat.a").json_body["items"] == []

    everything = emr.request("GET", f"/cases/{emr.cases['a']}/records", user="dr.one").json_body["items"]
    assert len(everything) == 6
    assert {i["entryId"]: i["status"] for i in everything}[retracted["entryId"]] == "entered-in-error"


def test_list_pages_walk_every_entry_once(emr: World) -> None:
    created = {create_entry(emr, "followup")["entryId"] for _ in range(5)}
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        path = f"/cases/{emr.cases['a']}/records?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = emr.request("GET", path, user="dr.one").json_body
        seen += [item["entryId"] for item in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(created)


# --- versions, optimistic locking, retraction -------------------------------------------------------------
def test_every_edit_is_a_new_version_and_history_shows_who_changed_what(emr: World) -> None:
    entry = create_entry(emr, "diagnosis")
    amended = emr.request("PUT", entry_path(emr, entry), user="dr.one",
                          body={"expectedVersion": 1, "content": {**SAMPLES["diagnosis"], "text": AMENDED_TEXT,
                                                                  "clinicalStatus": "remission"}})
    assert amended.status_code == 200
    assert amended.json_body["version"] == 2 and amended.json_body["content"]["text"] == AMENDED_TEXT

    history = emr.request("GET", entry_path(emr, entry, "/history"), user="dr.one").json_body["items"]
    assert [(v["version"], v["action"]) for v in history] == [(2, "amend"), (1, "create")]
    assert history[0]["changedFields"] == ["clinicalStatus", "text"]
    assert history[0]["authorId"] == emr.users["dr.one"].user_id and history[0]["authorRole"] == "doctor"
    assert history[1]["content"] == SAMPLES["diagnosis"]  # the old version is kept as it was


def test_a_stale_edit_gets_409_with_the_current_version_and_changes_nothing(emr: World) -> None:
    entry = create_entry(emr, "prescription")
    first = {**SAMPLES["prescription"], "dose": "twice the dose (first writer)"}
    second = {**SAMPLES["prescription"], "dose": "half the dose (second writer)"}
    assert emr.request("PUT", entry_path(emr, entry), user="dr.one",
                       body={"expectedVersion": 1, "content": first}).status_code == 200
    stale = emr.request("PUT", entry_path(emr, entry), user="dr.one", body={"expectedVersion": 1, "content": second})
    assert stale.status_code == 409
    error = stale.json_body["error"]
    assert error["code"] == "version_conflict" and error["details"]["currentVersion"] == 2
    assert error["details"]["current"]["content"] == first
    assert emr.request("GET", entry_path(emr, entry), user="dr.one").json_body["content"] == first


def test_two_writers_who_read_the_same_version_race_and_the_later_one_loses_nothing(emr: World) -> None:
    """Both pass the version check (they read version 1), then commit: DynamoDB's condition decides."""
    entry = create_entry(emr, "diagnosis")
    service = get_container().emr
    store = service._records
    both_read = threading.Barrier(2, timeout=10)
    first_committed = threading.Event()
    real_get = store.get
    real_stage = store.stage_version

    waited: set[str] = set()

    def get_then_wait(case_id: str, entry_id: str) -> Any:
        found = real_get(case_id, entry_id)
        name = threading.current_thread().name
        if name.startswith("writer") and name not in waited:  # the version check's read, not the re-read
            waited.add(name)
            both_read.wait()
        return found

    def stage_in_order(changed: Any, expected: int) -> Any:
        if threading.current_thread().name == "writer-b":
            first_committed.wait(10)
        return real_stage(changed, expected)

    results: dict[str, Any] = {}

    def write(name: str, text: str) -> None:
        try:
            results[name] = service.amend(doctor(emr), emr.cases["a"], entry["entryId"], 1,
                                          {**SAMPLES["diagnosis"], "text": text}, None, source)
        except Conflict as conflict:
            results[name] = conflict
        finally:
            if name == "writer-a":
                first_committed.set()

    from functions.shared.request_context import RequestSource

    source = RequestSource("race", "192.0.2.9")
    store.get = get_then_wait  # type: ignore[method-assign]
    store.stage_version = stage_in_order  # type: ignore[method-assign, assignment]
    try:
        threads = [threading.Thread(target=write, args=(name, f"text of {name}"), name=name)
                   for name in ("writer-a", "writer-b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
    finally:
        store.get = real_get  # type: ignore[method-assign]
        store.stage_version = real_stage  # type: ignore[method-assign]

    assert results["writer-a"]["version"] == 2
    conflict = results["writer-b"]
    assert isinstance(conflict, Conflict) and conflict.code == "version_conflict"
    assert conflict.details is not None and conflict.details["currentVersion"] == 2
    assert conflict.details["current"]["content"]["text"] == "text of writer-a"
    history = emr.request("GET", entry_path(emr, entry, "/history"), user="dr.one").json_body["items"]
    assert [v["content"]["text"] for v in history] == ["text of writer-a", SAMPLES["diagnosis"]["text"]]


def test_many_concurrent_writers_produce_exactly_one_new_version(emr: World) -> None:
    from functions.shared.request_context import RequestSource

    entry = create_entry(emr, "plan")
    service = get_container().emr
    outcomes: list[str] = []

    def write(n: int) -> None:
        try:
            service.amend(doctor(emr), emr.cases["a"], entry["entryId"], 1,
                          {**SAMPLES["plan"], "title": f"Plan by writer {n}"}, None, RequestSource(f"r{n}", ""))
            outcomes.append("ok")
        except Conflict as conflict:
            outcomes.append(conflict.code)

    # Four writers that all read version 1. They commit one after another: moto undoes a failed
    # transaction by restoring a copy of each table it touched, which can erase a transaction that
    # committed meanwhile in another thread (DynamoDB does not), so truly parallel commits would
    # test moto, not us. Whoever commits first wins; every later one is stale.
    for n in range(4):
        write(n)
    assert outcomes == ["ok", "version_conflict", "version_conflict", "version_conflict"]
    history = emr.request("GET", entry_path(emr, entry, "/history"), user="dr.one").json_body["items"]
    assert [v["version"] for v in history] == [2, 1]
    assert get_container().audit.verify(use_anchors=False).ok


def test_retraction_keeps_the_entry_and_ends_its_changes(emr: World) -> None:
    entry = create_entry(emr, "prescription")
    retracted = emr.request("POST", entry_path(emr, entry, "/retract"), user="dr.one",
                            body={"expectedVersion": 1, "reason": RETRACTION_REASON})
    assert retracted.status_code == 200
    body = retracted.json_body
    assert body["status"] == "entered-in-error" and body["version"] == 2
    assert body["content"] == SAMPLES["prescription"]  # kept, never deleted
    assert body["retraction"]["reason"] == RETRACTION_REASON

    again = emr.request("POST", entry_path(emr, entry, "/retract"), user="dr.one",
                        body={"expectedVersion": 2, "reason": "again"})
    edit = emr.request("PUT", entry_path(emr, entry), user="dr.one",
                       body={"expectedVersion": 2, "content": SAMPLES["prescription"]})
    assert again.status_code == edit.status_code == 409
    assert again.json_body["error"]["code"] == edit.json_body["error"]["code"] == "entry_retracted"

    history = emr.request("GET", entry_path(emr, entry, "/history"), user="dr.one").json_body["items"]
    assert [(v["action"], v["status"]) for v in history] == [("retract", "entered-in-error"), ("create", "active")]
    assert history[0]["reason"] == RETRACTION_REASON


def test_the_timeline_gets_a_display_safe_event_per_version(emr: World) -> None:
    entry = create_entry(emr, "diagnosis")
    emr.request("POST", entry_path(emr, entry, "/retract"), user="dr.one",
                body={"expectedVersion": 1, "reason": RETRACTION_REASON})
    events = emr.request("GET", f"/cases/{emr.cases['a']}/timeline", user="dr.one").json_body["items"]
    record_events = [e for e in events if e["type"] == "record"]
    assert [e["summary"] for e in record_events] == [
        {"kind": "diagnosis", "version": 2, "status": "entered-in-error", "action": "retract", "patientVisible": False},
        {"kind": "diagnosis", "version": 1, "status": "active", "action": "create", "patientVisible": True},
    ]
    assert all(e["refId"] == entry["entryId"] for e in record_events)


def test_the_patient_timeline_leaves_out_clinician_only_record_events(emr: World) -> None:
    note = create_entry(emr, "note")
    diagnosis = create_entry(emr, "diagnosis")
    prescription = create_entry(emr, "prescription")
    amended = emr.request("PUT", entry_path(emr, diagnosis), user="dr.one",
                          body={"expectedVersion": 1, "content": {**SAMPLES["diagnosis"], "text": AMENDED_TEXT}})
    assert amended.status_code == 200, amended.body
    retracted = emr.request("POST", entry_path(emr, prescription, "/retract"), user="dr.one",
                            body={"expectedVersion": 1, "reason": RETRACTION_REASON})
    assert retracted.status_code == 200, retracted.body

    def record_events(user: str) -> list[tuple[str, int, str]]:
        items = emr.request("GET", f"/cases/{emr.cases['a']}/timeline", user=user).json_body["items"]
        return sorted((e["refId"], e["summary"]["version"], e["summary"]["action"])
                      for e in items if e["type"] == "record")

    assert record_events("dr.one") == sorted([
        (note["entryId"], 1, "create"), (diagnosis["entryId"], 1, "create"), (diagnosis["entryId"], 2, "amend"),
        (prescription["entryId"], 1, "create"), (prescription["entryId"], 2, "retract")])
    # No note, no amendment, no retraction: what was written for the patient, once.
    assert record_events("pat.a") == sorted([(diagnosis["entryId"], 1, "create"),
                                             (prescription["entryId"], 1, "create")])


# --- the audit trail ---------------------------------------------------------------------------------------
def test_reads_and_refusals_are_audited_with_who_role_what_when_source_outcome(emr: World) -> None:
    entry = create_entry(emr, "diagnosis")
    assert emr.request("GET", entry_path(emr, entry), user="pat.a").status_code == 200
    assert emr.request("GET", entry_path(emr, entry), user="dr.two").status_code == 404
    entries = admin_audit(emr)
    read = next(e for e in entries if e["action"] == "record.read" and e["outcome"] == "success")
    assert read["actorId"] == emr.users["pat.a"].user_id and read["role"] == "patient"
    assert read["resource"] == {"type": "record", "id": entry["entryId"], "caseId": emr.cases["a"]}
    assert read["patientId"] == emr.users["pat.a"].user_id and read["source"]["ip"] == "127.0.0.1"
    assert read["at"].startswith("20")
    denied = next(e for e in entries if e["outcome"] == "denied")
    assert denied["actorId"] == emr.users["dr.two"].user_id and denied["action"] == "record.read"
    created = next(e for e in entries if e["action"] == "record.create")
    assert created["role"] == "doctor" and created["outcome"] == "success"


def test_lists_and_exports_record_which_entries_were_disclosed(emr: World) -> None:
    shown = create_entry(emr, "diagnosis")
    hidden = create_entry(emr, "note")
    emr.request("GET", f"/cases/{emr.cases['a']}/records", user="pat.a")
    emr.request("GET", f"/cases/{emr.cases['a']}/fhir", user="dr.one")
    entries = admin_audit(emr)
    listed = next(e for e in entries if e["action"] == "record.list")
    assert listed["resourceIds"] == [shown["entryId"]]
    exported = next(e for e in entries if e["action"] == "record.export")
    assert sorted(exported["resourceIds"]) == sorted([shown["entryId"], hidden["entryId"]])


def test_audit_entries_carry_no_clinical_content(emr: World) -> None:
    for kind in SAMPLES:
        create_entry(emr, kind)
    emr.request("GET", f"/cases/{emr.cases['a']}/records", user="dr.one")
    text = json.dumps(admin_audit(emr))
    assert not [value for value in protected_values() if value in text]
    assert "L40.0" not in text


def test_the_admin_query_is_itself_audited(emr: World) -> None:
    create_entry(emr, "diagnosis")
    admin_audit(emr)
    queries = [e for e in admin_audit(emr) if e["action"] == "audit.query"]
    assert queries and queries[0]["role"] == "admin" and queries[0]["actorId"] == emr.users["ops"].user_id


def test_verify_detects_altered_and_removed_entries_in_the_table(emr: World, capsys: pytest.CaptureFixture[str]
                                                                 ) -> None:
    from functions.audit.cli import main

    entry = create_entry(emr, "diagnosis")
    for _ in range(3):
        emr.request("GET", entry_path(emr, entry), user="dr.one")
    assert main(["verify"]) == 0
    chain = admin_audit(emr)[0]["chain"]
    ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=emr.endpoint)
    audit_table = table("audit_log")

    ddb.update_item(TableName=audit_table, Key={"chain": {"S": chain}, "seq": {"N": "2"}},
                    UpdateExpression="SET outcome = :o", ExpressionAttributeValues={":o": {"S": "denied"}})
    capsys.readouterr()
    assert main(["verify", "--chain", chain]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["chains"][0] | {"detail": ""} == {"chain": chain, "ok": False, "entries": 1, "anchorsChecked": 0,
                                                   "firstBadSeq": 2, "problem": "altered", "detail": ""}

    ddb.update_item(TableName=audit_table, Key={"chain": {"S": chain}, "seq": {"N": "2"}},
                    UpdateExpression="SET outcome = :o", ExpressionAttributeValues={":o": {"S": "success"}})
    assert main(["verify", "--chain", chain]) == 0
    ddb.delete_item(TableName=audit_table, Key={"chain": {"S": chain}, "seq": {"N": "3"}})
    capsys.readouterr()
    assert main(["verify", "--chain", chain]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["chains"][0]["firstBadSeq"], report["chains"][0]["problem"]) == (3, "missing")


def test_the_anchor_catches_a_chain_rewritten_consistently(emr: World) -> None:
    """Someone with write access to the table rebuilds the chain with valid hashes: only the anchor knows."""
    from functions.audit.adapters import HEAD_PREFIX
    from functions.audit.chain import ChainHead, next_entry

    entry = create_entry(emr, "diagnosis")
    emr.request("GET", entry_path(emr, entry), user="pat.a")
    response = run_anchor_job(emr)
    assert response.payload["key"].startswith("anchors/")
    trail = get_container().audit
    assert trail.verify().ok

    chain = admin_audit(emr)[0]["chain"]
    original = list(trail._store.entries(chain))
    ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=emr.endpoint)
    head: ChainHead | None = None
    for stored in original:
        # The read by the patient "never happened": rewritten as a read by someone else.
        forged_event = stored.event if stored.event.action != "record.read" else \
            type(stored.event)(**{**stored.event.__dict__, "actor_id": "someone-else"})
        forged = next_entry(chain, head, forged_event, stored.at)
        ddb.update_item(TableName=table("audit_log"), Key={"chain": {"S": chain}, "seq": {"N": str(forged.seq)}},
                        UpdateExpression="SET actorId = :a, prevHash = :p, entryHash = :h",
                        ExpressionAttributeValues={":a": {"S": forged.event.actor_id}, ":p": {"S": forged.prev_hash},
                                                   ":h": {"S": forged.hash}})
        head = ChainHead(chain, forged.seq, forged.hash)
    assert head is not None
    ddb.update_item(TableName=table("audit_log"), Key={"chain": {"S": HEAD_PREFIX + chain}, "seq": {"N": "0"}},
                    UpdateExpression="SET headHash = :h", ExpressionAttributeValues={":h": {"S": head.hash}})

    assert trail.verify(use_anchors=False).ok  # internally consistent...
    report = trail.verify()
    bad = next(r for r in report.chains if r.chain == chain)
    assert not bad.ok and str(bad.problem) == "anchor_mismatch"


def test_anchors_are_under_object_lock(emr: World) -> None:
    create_entry(emr, "diagnosis")
    key = run_anchor_job(emr).payload["key"]
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=emr.endpoint)
    document = json.loads(s3.get_object(Bucket=ANCHOR_BUCKET, Key=key)["Body"].read())
    assert sum(head["seq"] for head in document["chains"].values()) >= 1
    version = s3.list_object_versions(Bucket=ANCHOR_BUCKET, Prefix=key)["Versions"][0]["VersionId"]
    with pytest.raises(s3.exceptions.ClientError):
        s3.delete_object(Bucket=ANCHOR_BUCKET, Key=key, VersionId=version)


# --- encryption at rest -----------------------------------------------------------------------------------
def raw_items(world: World) -> list[dict[str, Any]]:
    ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    items: list[dict[str, Any]] = []
    for spec in TABLES:
        for page in ddb.get_paginator("scan").paginate(TableName=table(spec.logical_name)):
            items += page["Items"]
    return items


def raw_values(value: Any) -> list[bytes]:
    """Every string and binary value inside a raw DynamoDB attribute value, as bytes."""
    if isinstance(value, dict):
        return [b for v in value.values() for b in raw_values(v)]
    if isinstance(value, list):
        return [b for v in value for b in raw_values(v)]
    if isinstance(value, bytes):
        return [value]
    return [str(value).encode()]


def test_no_protected_value_is_stored_in_plaintext_anywhere(emr: World) -> None:
    visit = seed_visit(emr, "a")
    entries = {kind: create_entry(emr, kind, links={"visitIds": [visit]}) for kind in SAMPLES}
    emr.request("PUT", entry_path(emr, entries["diagnosis"]), user="dr.one",
                body={"expectedVersion": 1, "content": {**SAMPLES["diagnosis"], "text": AMENDED_TEXT}})
    emr.request("POST", entry_path(emr, entries["prescription"], "/retract"), user="dr.one",
                body={"expectedVersion": 1, "reason": RETRACTION_REASON})
    emr.request("GET", f"/cases/{emr.cases['a']}/records", user="pat.a")
    emr.request("GET", entry_path(emr, entries["diagnosis"], "/history"), user="dr.one")
    emr.request("GET", f"/patients/{emr.users['pat.a'].user_id}/fhir", user="dr.one")
    run_anchor_job(emr)
    admin_audit(emr)

    blobs = [blob for item in raw_items(emr) for blob in raw_values(item)]
    assert len(blobs) > 100
    leaked = [value for value in protected_values() if any(value.encode() in blob for blob in blobs)]
    assert leaked == []
    assert not any(b"L40.0" in blob for blob in blobs)  # the diagnosis code is protected too
    # ...while the record is still whole through the API.
    read = emr.request("GET", entry_path(emr, entries["diagnosis"]), user="dr.one").json_body
    assert read["content"]["text"] == AMENDED_TEXT and read["content"]["code"] == "L40.0"


def _move(world: World, source_key: dict[str, Any], source_table: str, source_field: str,
          target_key: dict[str, Any], target_table: str, target_field: str) -> None:
    ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    item = ddb.get_item(TableName=source_table, Key=source_key)["Item"]
    ddb.update_item(TableName=target_table, Key=target_key, UpdateExpression="SET content.#f = :v",
                    ExpressionAttributeNames={"#f": target_field},
                    ExpressionAttributeValues={":v": item["content"]["M"][source_field]})


@pytest.mark.parametrize("move", ["another entry", "another field", "another table"])
def test_a_ciphertext_moved_elsewhere_is_a_clear_error_not_garbage(emr: World, move: str) -> None:
    first = create_entry(emr, "diagnosis")
    second = create_entry(emr, "diagnosis")
    emr.request("PUT", entry_path(emr, second), user="dr.one",
                body={"expectedVersion": 1, "content": {**SAMPLES["diagnosis"], "text": AMENDED_TEXT}})
    records = table(RECORDS.logical_name)
    second_key = {"caseId": {"S": emr.cases["a"]}, "entryId": {"S": second["entryId"]}}
    if move == "another entry":
        first_key = {"caseId": {"S": emr.cases["a"]}, "entryId": {"S": first["entryId"]}}
        _move(emr, first_key, records, "text", second_key, records, "text")
    elif move == "another field":
        _move(emr, second_key, records, "note", second_key, records, "text")
    else:  # version 2's history item, copied onto the entry (same entry, same version, other table)
        version_key = {"entryId": {"S": second["entryId"]}, "version": {"N": "2"}}
        _move(emr, version_key, table("record_versions"), "text", second_key, records, "text")

    response = emr.request("GET", entry_path(emr, second), user="dr.one")
    assert response.status_code == 500
    assert response.json_body["error"]["code"] == "decryption_failed"
    assert not [value for value in protected_values() if value.encode() in response.body]
    # Nor which table, record or field failed: that is for the operators' log.
    message = response.json_body["error"]["message"]
    assert "records" not in message and "/" not in message and "text" not in message, message


# --- FHIR export -----------------------------------------------------------------------------------------
def run_anchor_job(world: World) -> Any:
    event = world.client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                  resources=[])
    return world.client.lambda_.invoke("anchor_audit_chains", event)


def seed_visit(world: World, case: str) -> str:
    import secrets

    from functions.visits.ports import Participant, Room, RoomStatus

    room_id = secrets.token_urlsafe(16)
    patient = "pat.a" if case == "a" else "pat.b"
    doctor_name = "dr.one" if case == "a" else "dr.two"
    get_container().visit_store.create(Room(
        room_id=room_id, case_id=world.cases[case], patient_id=world.users[patient].user_id,
        patient_username=patient, status=RoomStatus.ENDED, requested_at="2026-01-05T09:00:00+00:00",
        requested_at_epoch=1_767_603_600.0, admitted_at="2026-01-05T09:02:00+00:00",
        admitted_by=world.users[doctor_name].user_id, ended_at="2026-01-05T09:20:00+00:00", end_reason="completed",
        participants={world.users[doctor_name].user_id: Participant(
            world.users[doctor_name].user_id, doctor_name, "doctor", "2026-01-05T09:02:00+00:00", None)},
    ), ttl_epoch=4_102_444_800)
    # VisitStore.create keeps a new room's state fields; an ended visit carries its times from here.
    get_container().visit_store.transition(room_id, RoomStatus.ENDED, {
        "admittedAt": "2026-01-05T09:02:00+00:00", "endedAt": "2026-01-05T09:20:00+00:00", "endReason": "completed",
    }, None)
    return room_id


def seed_photo_and_score(world: World) -> tuple[str, str]:
    from functions.images.ports import Photo
    from functions.scores.adapters import DynamoScoreStore
    from functions.scores.ports import ScoreRecord

    container = get_container()
    case = world.cases["a"]
    photo = Photo(case_id=case, photo_id="ph_20260105T090500_0001", body_site="elbow_left", lesion_id=None,
                  captured_at="2026-01-05T09:05:00+00:00", uploaded_at="2026-01-05T09:05:10+00:00",
                  processed_at="2026-01-05T09:05:12+00:00", uploaded_by=world.users["pat.a"].user_id,
                  uploader_role="patient", source="camera", width=1024, height=768, size_bytes=200_000,
                  sha256="ab" * 32)
    container.photo_store.put(photo)
    _ = container.scores  # binds the scores table
    score = ScoreRecord(case_id=case, score_id="sc_0001", instrument="DLQI", recorded_at="2026-01-05T09:06:00.000Z",
                        recorded_by=world.users["pat.a"].user_id, recorder_role="patient", on_behalf_of_patient=False,
                        visit_id=None, total=12.0, band="very large effect", components={})
    DynamoScoreStore(container.field_sealer).put(score)
    return photo.photo_id, score.score_id


def resources_of(bundle: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return found


def references_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return own + [r for v in value.values() for r in references_in(v)]
    if isinstance(value, list):
        return [r for v in value for r in references_in(v)]
    return []


def validate_r4(bundle: dict[str, Any]) -> None:
    from fhir.resources.R4B.bundle import Bundle

    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    # Every reference resolves inside the Bundle.
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    assert set(references_in(bundle)) <= full_urls


def test_fhir_export_of_a_case_is_a_valid_r4_bundle(emr: World) -> None:
    visit = seed_visit(emr, "a")
    photo_id, _score_id = seed_photo_and_score(emr)
    links = {"visitIds": [visit], "photoIds": [photo_id]}
    for kind in SAMPLES:
        create_entry(emr, kind, links=links)
    retracted = create_entry(emr, "prescription")
    emr.request("POST", entry_path(emr, retracted, "/retract"), user="dr.one",
                body={"expectedVersion": 1, "reason": RETRACTION_REASON})

    response = emr.request("GET", f"/cases/{emr.cases['a']}/fhir", user="dr.one")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/fhir+json"
    bundle = response.json_body
    validate_r4(bundle)
    found = resources_of(bundle)
    assert {kind: len(items) for kind, items in found.items()} == {
        "Patient": 1, "Encounter": 1, "Media": 1, "Observation": 1, "Condition": 1, "MedicationRequest": 2,
        "CarePlan": 2,
    }
    encounter = found["Encounter"][0]
    assert encounter["class"]["code"] == "VR" and encounter["status"] == "finished"
    condition = found["Condition"][0]
    assert condition["code"]["coding"][0] == {"system": "http://hl7.org/fhir/sid/icd-10", "code": "L40.0"}
    assert condition["clinicalStatus"]["coding"][0]["code"] == "active"
    assert condition["encounter"]["reference"].startswith("urn:uuid:")
    assert condition["evidence"][0]["detail"][0]["reference"].startswith("urn:uuid:")
    statuses = sorted(request["status"] for request in found["MedicationRequest"])
    assert statuses == ["active", "entered-in-error"]
    route = found["MedicationRequest"][0]["dosageInstruction"][0]["route"]
    assert route["coding"][0] == {"system": "http://snomed.info/sct", "code": "6064005"}
    assert found["Observation"][0]["valueQuantity"]["value"] == 12.0
    assert found["Media"][0]["content"]["contentType"] == "image/jpeg"


def test_the_patients_own_export_is_their_summary_and_valid(emr: World) -> None:
    for kind in SAMPLES:
        create_entry(emr, kind)
    retracted = create_entry(emr, "diagnosis")
    emr.request("POST", entry_path(emr, retracted, "/retract"), user="dr.one",
                body={"expectedVersion": 1, "reason": RETRACTION_REASON})
    bundle = emr.request("GET", f"/patients/{emr.users['pat.a'].user_id}/fhir", user="pat.a").json_body
    validate_r4(bundle)
    found = resources_of(bundle)
    assert len(found["Condition"]) == 1  # the retracted one is not in the patient's own export
    assert found["Patient"][0]["identifier"][0]["value"] == emr.users["pat.a"].user_id
    assert "entered-in-error" not in json.dumps(bundle)


def test_a_doctor_exports_only_the_patients_cases_they_may_see(emr: World) -> None:
    container = get_container()
    patient = emr.users["pat.a"].user_id
    other = container.cases.create_record(patient, "Vitiligo", [], None)
    container.access.open_case(other.case_id, patient, [emr.users["dr.two"].user_id], "seed")
    create_entry(emr, "diagnosis")
    hidden = emr.request("POST", f"/cases/{other.case_id}/records", user="dr.two",
                         body={"kind": "diagnosis", "content": {**SAMPLES["diagnosis"], "code": "L80"}})
    assert hidden.status_code == 201
    mine = emr.request("GET", f"/patients/{patient}/fhir", user="dr.one").json_body
    theirs = emr.request("GET", f"/patients/{patient}/fhir", user="pat.a").json_body
    assert [c["code"]["coding"][0]["code"] for c in resources_of(mine)["Condition"]] == ["L40.0"]
    assert sorted(c["code"]["coding"][0]["code"] for c in resources_of(theirs)["Condition"]) == ["L40.0", "L80"]
