"""Encrypted medical-record fields survive a local-stack restart (moto's KMS would forget its keys;
the local key provider keeps its key-encryption key in the data folder) and are never stored in
plaintext."""

from __future__ import annotations

import json
from typing import Any

from local.seed import DR_CHEN
from local.stack import LocalStack
from tests.e2e.conftest import Api, run

NOTE_TEXT = "Plaques on both elbows thinner since the last visit; itch 3/10 at night."


async def _doctor_case(api: Api) -> tuple[str, str]:
    token = await api.token(DR_CHEN.username, DR_CHEN.password)
    status, cases = await api.call("GET", "/cases", token=token)
    assert status == 200 and cases["items"], cases
    return token, str(cases["items"][0]["caseId"])


def test_an_encrypted_note_is_readable_after_a_restart_and_never_stored_in_clear(stack: LocalStack) -> None:
    import aiohttp

    async def write() -> tuple[str, str]:
        async with aiohttp.ClientSession() as session:
            api = Api(session, stack)
            token, case_id = await _doctor_case(api)
            body = {"kind": "note", "content": {"subjective": NOTE_TEXT, "assessment": "Improving."}}
            status, entry = await api.call("POST", f"/cases/{case_id}/records", token=token, body=body)
            assert status == 201, entry
            return case_id, str(entry["entryId"])

    async def read(case_id: str, entry_id: str) -> dict[str, Any]:
        async with aiohttp.ClientSession() as session:
            api = Api(session, stack)
            token = await api.token(DR_CHEN.username, DR_CHEN.password)
            status, entry = await api.call("GET", f"/cases/{case_id}/records/{entry_id}", token=token)
            assert status == 200, entry
            return dict(entry)

    case_id, entry_id = run(write())
    assert stack.resources is not None
    raw_tables = json.dumps([
        stack.client("dynamodb").scan(TableName=stack.resources.table_names[name])["Items"]
        for name in ("records", "record_versions")
    ], default=lambda value: value.decode("latin-1") if isinstance(value, bytes) else str(value))
    assert "Plaques on both elbows" not in raw_tables

    stack.stop()
    stack.start()  # a new moto with a new KMS: the record is readable only through the saved key file
    entry = run(read(case_id, entry_id))
    assert entry["content"]["subjective"] == NOTE_TEXT
