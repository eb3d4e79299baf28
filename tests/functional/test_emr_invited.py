"""An invited doctor consults: they write and change their own record entries, never the assigned
doctors' (security review, item 9)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.conftest import World
from tests.functional.emr_support import AMENDED_TEXT, SAMPLES, create_entry, provision_emr


@pytest.fixture
def invited(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    provision_emr(world, monkeypatch)
    invite = {"doctorId": world.users["dr.three"].user_id, "expiresInHours": 2}
    assert world.request("POST", f"/cases/{world.cases['a']}/invitations", user="dr.one",
                         body=invite).status_code == 201
    return world


def path(entry: dict[str, Any], suffix: str = "") -> str:
    return f"/cases/{entry['caseId']}/records/{entry['entryId']}{suffix}"


AMEND = {"expectedVersion": 1, "content": {**SAMPLES["diagnosis"], "text": AMENDED_TEXT}}
RETRACT = {"expectedVersion": 1, "reason": "Not my patient"}


def test_an_invited_doctor_may_not_amend_or_retract_the_assigned_doctors_entry(invited: World) -> None:
    entry = create_entry(invited, "diagnosis", user="dr.one")
    for suffix, method, body in (("", "PUT", AMEND), ("/retract", "POST", RETRACT)):
        response = invited.request(method, path(entry, suffix), user="dr.three", body=body)
        assert (response.status_code, response.json_body["error"]["code"]) == (403, "not_the_author"), suffix
    unchanged = invited.request("GET", path(entry), user="dr.one").json_body
    assert unchanged["version"] == 1 and unchanged["status"] == "active"
    refusals = [e for e in invited.request(
        "GET", f"/admin/audit?patientId={invited.users['pat.a'].user_id}&limit=100", user="ops").json_body["items"]
        if e["actorId"] == invited.users["dr.three"].user_id and e["action"] in {"record.amend", "record.retract"}]
    assert sorted((e["action"], e["outcome"]) for e in refusals) == [("record.amend", "denied"),
                                                                      ("record.retract", "denied")]


def test_an_invited_doctor_changes_their_own_entry_and_the_assigned_doctor_any(invited: World) -> None:
    own = create_entry(invited, "diagnosis", user="dr.three")
    assert invited.request("PUT", path(own), user="dr.three", body=AMEND).status_code == 200
    assert invited.request("POST", path(own, "/retract"), user="dr.one",
                           body={**RETRACT, "expectedVersion": 2}).status_code == 200
