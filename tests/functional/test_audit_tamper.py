"""The audit trail against someone holding the functions' own write access to the table and the bucket.

Two attacks from the security review: rewrite the chain's end and overwrite the anchor that
vouches for it; or cut the chain back to its last anchor together with its head marker.
Both must leave `verify` failing.
"""

from __future__ import annotations

import dataclasses
import json

import boto3
import pytest

from functions.audit.adapters import HEAD_PREFIX
from functions.audit.chain import AuditEvent, ChainHead, Outcome, entry_hash, next_entry
from functions.audit.service import AuditTrail
from functions.bootstrap import get_container
from tests.functional.conftest import REGION, World
from tests.functional.emr_support import ANCHOR_BUCKET, provision_emr

AUDIT_TABLE = "dermafollow-local-audit_log"


@pytest.fixture
def trail(world: World, monkeypatch: pytest.MonkeyPatch) -> AuditTrail:
    provision_emr(world, monkeypatch)
    return get_container().audit


def read_by(n: int) -> AuditEvent:
    # One patient: every entry lands in one chain.
    return AuditEvent(actor_id=f"dr-{n}", role="doctor", action="record.read", resource_type="record",
                      resource_id=f"dx_{n}", outcome=Outcome.SUCCESS, patient_id="pat-tamper", case_id="case_1")


def key(chain: str, seq: int) -> dict[str, dict[str, str]]:
    return {"chain": {"S": chain}, "seq": {"N": str(seq)}}


def test_a_rewritten_end_with_an_overwritten_anchor_fails_verification(world: World, trail: AuditTrail) -> None:
    entries = [trail.record(read_by(n)) for n in range(3)]
    chain = entries[0].chain
    assert [e.seq for e in entries] == [1, 2, 3] and {e.chain for e in entries} == {chain}
    anchor = trail.anchor()
    assert trail.verify().ok

    ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=world.endpoint)
    # Delete seq 3, rewrite seq 2 as a read by someone else with a recomputed hash (its link to
    # seq 1 still holds), move the head marker onto it...
    ddb.delete_item(TableName=AUDIT_TABLE, Key=key(chain, 3))
    forged = next_entry(chain, ChainHead(chain, 1, entries[0].hash),
                        dataclasses.replace(entries[1].event, actor_id="dr-99"), entries[1].at)
    assert forged.hash == entry_hash(forged)
    ddb.update_item(TableName=AUDIT_TABLE, Key=key(chain, 2), UpdateExpression="SET actorId = :a, entryHash = :h",
                    ExpressionAttributeValues={":a": {"S": "dr-99"}, ":h": {"S": forged.hash}})
    ddb.update_item(TableName=AUDIT_TABLE, Key=key(HEAD_PREFIX + chain, 0),
                    UpdateExpression="SET headSeq = :s, headHash = :h",
                    ExpressionAttributeValues={":s": {"N": "2"}, ":h": {"S": forged.hash}})
    # ...and PUT the anchor again under its own key, naming the forged end.
    document = json.loads(s3.get_object(Bucket=ANCHOR_BUCKET, Key=anchor.key)["Body"].read())
    document["chains"][chain] = {"seq": 2, "hash": forged.hash}
    # (A PUT without If-None-Match: Object Lock keeps the first version but allows a second.)
    s3.put_object(Bucket=ANCHOR_BUCKET, Key=anchor.key, Body=json.dumps(document).encode(),
                  ChecksumAlgorithm="SHA256")

    assert trail.verify(use_anchors=False).ok  # the table alone is internally consistent...
    report = trail.verify()
    assert not report.ok  # ...but the anchor as first written still names seq 3
    bad = next(r for r in report.chains if r.chain == chain)
    assert not bad.ok and str(bad.problem) == "anchor_overwritten"
    # An overwritten anchor discredits the whole store: every chain says so.
    assert all(str(r.problem) == "anchor_overwritten" for r in report.chains)


def test_an_anchor_is_written_once(world: World, trail: AuditTrail) -> None:
    from functions.audit.adapters import S3AnchorStore
    from functions.shared.errors import Conflict

    trail.record(read_by(1))
    anchor = trail.anchor()
    store = S3AnchorStore(lambda: boto3.client("s3", region_name=REGION, endpoint_url=world.endpoint),
                          ANCHOR_BUCKET)
    with pytest.raises(Conflict):
        store.put(anchor)  # same time stamp, same key: refused by If-None-Match
    assert len(list(store.all())) == 1 and trail.verify().ok


def test_a_chain_cut_back_to_its_anchor_with_its_head_marker_fails_verification(world: World,
                                                                                trail: AuditTrail) -> None:
    first = trail.record(read_by(1))
    trail.anchor()
    later = [trail.record(read_by(n)) for n in (2, 3)]
    assert [e.seq for e in later] == [2, 3]
    assert trail.verify().ok

    ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    for entry in later:
        ddb.delete_item(TableName=AUDIT_TABLE, Key=key(first.chain, entry.seq))
    ddb.delete_item(TableName=AUDIT_TABLE, Key=key(HEAD_PREFIX + first.chain, 0))

    report = trail.verify()
    bad = next(r for r in report.chains if r.chain == first.chain)
    assert not bad.ok and str(bad.problem) == "head_missing" and bad.first_bad_seq == 2


# --- entries authenticated with a KMS HMAC key ----------------------------------------------------------
def use_mac_key(world: World, monkeypatch: pytest.MonkeyPatch, since: str = "") -> AuditTrail:
    from functions.bootstrap import reset_container

    kms = boto3.client("kms", region_name=REGION, endpoint_url=world.endpoint)
    key_id = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
    monkeypatch.setenv("AUDIT_MAC_KEY_ID", key_id)
    monkeypatch.setenv("AUDIT_MAC_SINCE", since)
    reset_container()
    return get_container().audit


def test_an_entry_rewritten_with_a_recomputed_hash_fails_without_any_anchor(
        world: World, trail: AuditTrail, monkeypatch: pytest.MonkeyPatch) -> None:
    trail = use_mac_key(world, monkeypatch)
    entries = [trail.record(read_by(n)) for n in range(3)]
    chain, last = entries[0].chain, entries[-1]
    assert all(e.mac for e in entries) and trail.verify().ok

    # The end of the chain rewritten with a valid hash: no later link and no anchor can tell.
    forged = next_entry(chain, ChainHead(chain, 2, entries[1].hash), dataclasses.replace(last.event, actor_id="dr-99"),
                        last.at)
    ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    ddb.update_item(TableName=AUDIT_TABLE, Key=key(chain, 3), UpdateExpression="SET actorId = :a, entryHash = :h",
                    ExpressionAttributeValues={":a": {"S": "dr-99"}, ":h": {"S": forged.hash}})
    ddb.update_item(TableName=AUDIT_TABLE, Key=key(HEAD_PREFIX + chain, 0), UpdateExpression="SET headHash = :h",
                    ExpressionAttributeValues={":h": {"S": forged.hash}})

    report = trail.verify(use_anchors=False)
    bad = next(r for r in report.chains if r.chain == chain)
    assert (bad.ok, str(bad.problem), bad.first_bad_seq) == (False, "unauthenticated", 3)


def test_entries_from_before_the_cut_over_verify_as_legacy_and_none_after_it(
        world: World, trail: AuditTrail, monkeypatch: pytest.MonkeyPatch) -> None:
    legacy = [trail.record(read_by(n)) for n in range(2)]  # written without MACs
    assert not any(e.mac for e in legacy)
    trail = use_mac_key(world, monkeypatch, since="2000-01-01T00:00:00+00:00")
    report = trail.verify()
    assert not report.ok  # the cut-over is before them: legacy entries are not accepted any more
    trail = use_mac_key(world, monkeypatch, since="2999-01-01T00:00:00+00:00")
    later = [trail.record(read_by(n)) for n in range(2, 4)]
    chain = later[0].chain
    report = trail.verify()
    mine = next(r for r in report.chains if r.chain == chain)
    assert report.ok and mine.entries == 4 and mine.legacy == 2

    # A MAC stripped from an entry after the chain's first MAC'd one is a forgery, whatever the cut-over.
    ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    ddb.update_item(TableName=AUDIT_TABLE, Key=key(chain, 4), UpdateExpression="REMOVE mac")
    bad = next(r for r in trail.verify().chains if r.chain == chain)
    assert (str(bad.problem), bad.first_bad_seq) == ("unauthenticated", 4)
