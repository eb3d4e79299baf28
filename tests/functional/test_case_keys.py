"""Per-case keys against moto (KMS and DynamoDB), through the API and the record repository.

- a record written in the old format (a KMS data key per purpose, format 1) still reads through the
  API next to records written in the new one (the case's key, format 2);
- case keys are stored wrapped, never in plaintext, and a cold container reads a case with one KMS call;
- erasing a case (the operator command) destroys its keys: its records no longer open, in this
  container or a cold one, nothing new is sealed for it, other cases are untouched, and the erasure is
  in the patient's audit chain.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import boto3
import pytest

from functions.audit.adapters import DynamoAuditStore
from functions.bootstrap import get_container, reset_container
from functions.crypto import cli, envelope
from functions.crypto.envelope import FieldContext
from functions.crypto.keyring import DataKeyManager
from functions.crypto.scoped_keys import CaseErased
from functions.emr.adapters import DynamoRecordStore, RecordModel
from functions.emr.kinds import EntryKind, EntryStatus, VersionAction
from functions.emr.ports import Links, RecordEntry, RecordVersion
from functions.emr.service import new_entry_id
from functions.shared.transact import commit
from tests.functional.conftest import REGION, World
from tests.functional.emr_support import SAMPLES, create_entry, provision_emr

DATA_KEYS_TABLE = "dermafollow-local-data_keys"


class Format1Sealer:
    """How every record was sealed before per-case keys: the purpose's data key (one KMS
    GenerateDataKey per container and 5 minutes), the key id in a version-1 header."""

    def __init__(self, keys: DataKeyManager) -> None:
        self._keys = keys

    def seal(self, table: str, record_id: str, fields: Mapping[str, object], *,
             purpose: str | None = None, case_id: str | None = None) -> dict[str, bytes]:
        import json

        key = self._keys.for_sealing(purpose or table, uses=len(fields))
        return {name: envelope.seal(key.key_id, key.material, FieldContext(table, record_id, name),
                                    json.dumps(value).encode(), version=envelope.LEGACY_VERSION)
                for name, value in fields.items()}

    def open(self, table: str, record_id: str, sealed: Mapping[str, bytes], *,
             purpose: str | None = None) -> dict[str, object]:
        raise AssertionError("only writes the old way")


@pytest.fixture
def emr(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    provision_emr(world, monkeypatch)
    return world


def old_format_entry(case_id: str, patient_id: str) -> RecordEntry:
    at = "2026-01-05T09:00:00+00:00"
    version = RecordVersion(
        case_id=case_id, entry_id=new_entry_id(EntryKind.DIAGNOSIS, time.time()), patient_id=patient_id,
        kind=EntryKind.DIAGNOSIS, version=1, status=EntryStatus.ACTIVE, action=VersionAction.CREATE,
        content=dict(SAMPLES["diagnosis"]), links=Links(), author_id="dr-old", author_role="doctor", at=at,
        changed_fields=tuple(sorted(SAMPLES["diagnosis"])),
    )
    return RecordEntry(version, at, version.author_id)


def sealed_values(item: RecordModel) -> list[bytes]:
    content: Any = item.content
    return [bytes(value) for value in dict(content.as_dict()).values()]


def stored_keys() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = boto3.client("dynamodb", region_name=REGION).scan(TableName=DATA_KEYS_TABLE)["Items"]
    return items


def test_old_format_records_still_read_and_new_ones_use_the_cases_key(emr: World) -> None:
    container = get_container()
    _ = container.emr  # binds the record tables
    case_id = emr.cases["a"]
    case = container.case_store.get(case_id)
    assert case is not None
    old = old_format_entry(case_id, case.patient_id)
    commit(DynamoRecordStore(Format1Sealer(container.data_keys)).stage_create(old))
    raw_old = RecordModel.get(case_id, old.current.entry_id)
    assert {v[0] for v in sealed_values(raw_old)} == {envelope.LEGACY_VERSION}

    new = create_entry(emr, "note")
    raw_new = RecordModel.get(case_id, new["entryId"])
    assert {v[0] for v in sealed_values(raw_new)} == {envelope.FORMAT_VERSION}
    assert {envelope.key_id_of(v, FieldContext("records", "", "")) for v in sealed_values(raw_new)} \
        == {f"c:{case_id}"}

    reset_container()  # a cold container reads both
    for entry_id, content in ((old.current.entry_id, SAMPLES["diagnosis"]), (new["entryId"], SAMPLES["note"])):
        response = emr.request("GET", f"/cases/{case_id}/records/{entry_id}", user="dr.one")
        assert response.status_code == 200, response.body
        assert response.json_body["content"] == content

    # The case's key is stored wrapped (60 bytes: version, nonce, key, tag), never as the key itself.
    case_items = [item for item in stored_keys() if item["purpose"]["S"] == f"case#{case_id}"]
    assert {item["keyId"]["S"] for item in case_items} >= {"emr"}
    material = get_container().field_sealer.scoped.for_opening("emr", f"c:{case_id}")
    for item in case_items:
        assert len(item["wrappedKey"]["B"]) == 61 and material not in item["wrappedKey"]["B"]


def test_a_cold_container_reads_a_whole_case_with_one_kms_call(emr: World) -> None:
    case_id = emr.cases["a"]
    for kind in ("diagnosis", "prescription", "plan", "followup", "note"):
        create_entry(emr, kind)
    reset_container()
    container = get_container()
    calls: list[str] = []
    container.key_provider.client.meta.events.register(  # type: ignore[attr-defined]
        "before-call.kms.*", lambda model, **_: calls.append(model.name))
    page = DynamoRecordStore(container.field_sealer).for_case(case_id, None, True, 50, None)
    assert len(page.entries) == 5
    assert calls == ["Decrypt"]  # the emr KEK of the year; the case key unwraps locally


def test_erasing_a_case_shreds_its_records_and_is_audited(emr: World) -> None:
    erased, kept = emr.cases["a"], emr.cases["b"]
    entry = create_entry(emr, "diagnosis", case="a")
    other = create_entry(emr, "diagnosis", case="b", user="dr.two")
    container = get_container()
    patient_id = container.case_store.get(erased).patient_id  # type: ignore[union-attr]

    assert cli.main(["erase-case", "--case", erased, "--operator", "ops-anna"]) == 0

    assert not [item for item in stored_keys()
                if item["purpose"]["S"] == f"case#{erased}" and item["keyId"]["S"] != "erased"]
    for fresh in (False, True):  # this container (its cache forgot the keys) and a cold one
        if fresh:
            reset_container()
        store = DynamoRecordStore(get_container().field_sealer)
        with pytest.raises(CaseErased):
            store.get(erased, entry["entryId"])
        assert store.get(kept, other["entryId"]) is not None
    # The ciphertext is still there; nothing can open it, and the API answers as for no such case.
    assert RecordModel.get(erased, entry["entryId"]).content is not None
    assert emr.request("GET", f"/cases/{erased}/records/{entry['entryId']}", user="dr.one").status_code == 404
    assert emr.request("GET", f"/cases/{kept}/records/{other['entryId']}", user="dr.two").status_code == 200
    with pytest.raises(CaseErased):
        get_container().field_sealer.seal("records", f"{erased}/x", {"text": "new"}, purpose="emr", case_id=erased)

    entries = DynamoAuditStore().for_patient(patient_id, 50, None).entries  # the patient's audit trail
    assert [(e.event.action, e.event.actor_id) for e in entries if e.event.action == "case.erase"] == \
        [("case.erase", "ops-anna")]
