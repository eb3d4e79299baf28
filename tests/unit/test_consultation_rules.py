"""The consultation service's rules with in-memory fakes: who may open, read, see and close a round;
blinding in every state; the consensus through the record's create path; the figures' grouping."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

import pytest

from functions.access.ports import Grant, GrantKind
from functions.access.service import AccessPolicy
from functions.audit.chain import AuditEvent
from functions.audit.ports import StagedWriteRejected
from functions.consultation.ports import (
    ROUND_ITEM,
    Consensus,
    Read,
    ReadFacts,
    Round,
    RoundPage,
    RoundStatus,
)
from functions.consultation.service import ConsultationService, hidden_reason
from functions.shared.auth import Principal, Role
from functions.shared.errors import DomainError
from functions.shared.request_context import RequestSource
from functions.shared.transact import TransactItem
from tests.unit.test_tickets_and_access import MemoryGrants

NOW = 1_780_000_000.0  # 2026-05-28
CASE = "case_0000000001"
SOURCE = RequestSource("req-1", "203.0.113.9")


def doctor(name: str) -> Principal:
    return Principal(name, name, frozenset({Role.DOCTOR}))


LEAD, ANA, BEN, OUTSIDER = doctor("lead"), doctor("ana"), doctor("ben"), doctor("outsider")
PATIENT = Principal("pat", "pat", frozenset({Role.PATIENT}))


def staged(label: str, apply: Callable[[], bool]) -> TransactItem:
    return TransactItem(label, "update", {"apply": apply}, None)


class MemoryRounds:
    def __init__(self) -> None:
        self.rounds: dict[tuple[str, str], Round] = {}
        self.read_items: dict[str, dict[str, Read]] = {}

    def stage_create(self, round_: Round) -> list[TransactItem]:
        def apply() -> bool:
            self.rounds[(round_.case_id, round_.round_id)] = round_
            return True
        return [staged(ROUND_ITEM, apply)]

    def get(self, case_id: str, round_id: str) -> Round | None:
        return self.rounds.get((case_id, round_id))

    def for_case(self, case_id: str, limit: int, cursor: str | None) -> RoundPage:
        return RoundPage(sorted((r for (c, _), r in self.rounds.items() if c == case_id),
                                key=lambda r: r.round_id, reverse=True)[:limit], None)

    def stage_read(self, round_: Round, read: Read) -> list[TransactItem]:
        def apply() -> bool:
            stored = self.rounds[(round_.case_id, round_.round_id)]
            if stored.status is not RoundStatus.OPEN or read.reader_id in stored.reads_in:
                return False
            marked = replace(stored, reads_in=(*stored.reads_in, read.reader_id))
            self.rounds[(round_.case_id, round_.round_id)] = marked
            self.read_items.setdefault(read.round_id, {})[read.reader_id] = read
            return True
        return [staged(ROUND_ITEM, apply)]

    def reads(self, round_id: str) -> list[Read]:
        return list(self.read_items.get(round_id, {}).values())

    def stage_close(self, round_: Round, consensus: Consensus, facts: tuple[ReadFacts, ...]) -> list[TransactItem]:
        def apply() -> bool:
            stored = self.rounds[(round_.case_id, round_.round_id)]
            if stored.status is not RoundStatus.OPEN:
                return False
            self.rounds[(round_.case_id, round_.round_id)] = replace(stored, status=RoundStatus.CLOSED,
                                                                     consensus=consensus, read_facts=facts)
            return True
        return [staged(ROUND_ITEM, apply)]

    def closed_in_months(self, months: list[str]) -> list[Round]:
        return [r for r in self.rounds.values() if r.consensus and r.consensus.closed_at[:7] in months]

    def awaiting(self, case_id: str, reader_id: str) -> list[Round]:
        return [r for r in self.for_case(case_id, 100, None).rounds if r.status is RoundStatus.OPEN
                and reader_id in r.reader_ids and reader_id not in r.reads_in]


class MemoryAudit:
    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def record(self, event: AuditEvent, staged: Sequence[TransactItem] = ()) -> None:
        failed = [item.label for item in staged if not item.operation["apply"]()]
        if failed:
            raise StagedWriteRejected(failed)
        self.events.append(event)


class Material:
    def __init__(self) -> None:
        self.photos = {"ph_0000000001", "ph_0000000002"}
        self.scores = {"sc_0000000001"}

    def existing_photos(self, case_id: str, photo_ids: tuple[str, ...]) -> set[str]:
        return set(photo_ids) & self.photos

    def existing_scores(self, case_id: str, score_ids: tuple[str, ...]) -> set[str]:
        return set(score_ids) & self.scores


class Record:
    def __init__(self) -> None:
        self.created: list[tuple[str, str, dict[str, Any], dict[str, Any] | None]] = []

    def create(self, doctor: Principal, case_id: str, kind: str, content: dict[str, Any],
               links: dict[str, Any] | None, source: RequestSource) -> dict[str, Any]:
        self.created.append((doctor.user_id, kind, content, links))
        return {"entryId": f"dx_{len(self.created):08d}"}


@pytest.fixture
def world() -> tuple[ConsultationService, MemoryRounds, MemoryAudit, Material, Record, MemoryGrants]:
    grants = MemoryGrants()
    grants.put(Grant(CASE, "pat", GrantKind.OWNER, "seed", "2026-01-01"))
    for name in ("lead", "ana"):
        grants.put(Grant(CASE, name, GrantKind.ASSIGNED, "seed", "2026-01-01"))
    grants.put(Grant(CASE, "ben", GrantKind.INVITED, "lead", "2026-05-01", expires_at_epoch=int(NOW) + 3600))
    grants.put(Grant(CASE, "gone", GrantKind.INVITED, "lead", "2026-05-01", expires_at_epoch=int(NOW) - 1))
    rounds, audit, material, record = MemoryRounds(), MemoryAudit(), Material(), Record()
    clock = lambda: NOW  # noqa: E731
    service = ConsultationService(rounds, AccessPolicy(grants, clock=clock), material, record, audit, clock=clock)
    return service, rounds, audit, material, record, grants


def code_of(call: Callable[[], Any]) -> tuple[int, str]:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.status, caught.value.code


def read(service: ConsultationService, who: Principal, round_id: str, code: str = "L40.0", iga: int = 3) -> Any:
    return service.submit_read(who, CASE, round_id, code, "label", iga, None, "treat", 3, "", SOURCE)


def test_blinding_in_every_state(world: Any) -> None:
    service, *_ = world
    round_id = service.open(LEAD, CASE, "Q?", [], [], ["lead", "ana", "ben"], SOURCE)["roundId"]
    round_ = service.get(LEAD, CASE, round_id, SOURCE)
    assert round_["hiddenReason"] == "read_first" and round_["readsIn"] is None  # the lead reads too
    read(service, ANA, round_id)
    for blinded in (LEAD, BEN):
        view = service.get(blinded, CASE, round_id, SOURCE)
        assert (view["reads"], view["readsIn"], view["readers"]) == (None, None, None)
        assert code_of(partial(service.list_reads, blinded, CASE, round_id, SOURCE)) == (403, "read_first")
    assert [r["readerId"] for r in service.get(ANA, CASE, round_id, SOURCE)["reads"]] == ["ana"]
    read(service, BEN, round_id, code="L20.9")
    assert len(service.get(BEN, CASE, round_id, SOURCE)["reads"]) == 2
    assert service.get(LEAD, CASE, round_id, SOURCE)["myRead"] is None


def test_hidden_reason_table() -> None:
    base = Round(CASE, "cr_1", "pat", "lead", "Q", (), (), ("ana", "ben"), RoundStatus.OPEN, "t")
    assert hidden_reason(base, "ana") == "read_first"
    assert hidden_reason(base, "lead") == "reads_hidden"
    assert hidden_reason(replace(base, reads_in=("ana",)), "ana") is None
    assert hidden_reason(replace(base, reads_in=("ana",)), "lead") == "reads_hidden"
    assert hidden_reason(replace(base, reads_in=("ana", "ben")), "lead") is None
    assert hidden_reason(replace(base, reads_in=("ana", "ben")), "other-doctor") == "reads_hidden"
    assert hidden_reason(replace(base, status=RoundStatus.CLOSED), "other-doctor") is None


def test_who_may_open_and_whom(world: Any) -> None:
    service, *_ = world
    assert code_of(lambda: service.open(OUTSIDER, CASE, "Q", [], [], ["ana"], SOURCE)) == (404, "case_not_found")
    assert code_of(lambda: service.open(PATIENT, CASE, "Q", [], [], ["ana"], SOURCE)) == (404, "case_not_found")
    for readers, code in ((["gone"], "reader_not_on_case"), (["pat"], "reader_not_on_case"),
                          ([], "readers_required"), ([f"d{i}" for i in range(9)], "readers_required")):
        assert code_of(partial(service.open, LEAD, CASE, "Q", [], [], readers, SOURCE)) == (400, code)
    assert code_of(lambda: service.open(LEAD, CASE, "Q", ["ph_x"], [], ["ana"], SOURCE)) == (400, "photo_not_on_case")
    assert code_of(lambda: service.open(LEAD, CASE, "Q", [], ["sc_x"], ["ana"], SOURCE)) == (400, "score_not_on_case")
    # An invited doctor with a live grant may lead; duplicates collapse.
    opened = service.open(BEN, CASE, " Q ", ["ph_0000000001"], ["sc_0000000001"], ["ana", "ana", "lead"], SOURCE)
    assert (opened["leadId"], opened["readerIds"], opened["question"]) == ("ben", ["ana", "lead"], "Q")


def test_a_race_between_two_submissions_answers_already_read(world: Any) -> None:
    service, rounds, *_ = world
    round_id = service.open(LEAD, CASE, "Q", [], [], ["ana"], SOURCE)["roundId"]
    stale = rounds.get(CASE, round_id)
    read(service, ANA, round_id)
    # The second request read the round before the first committed: the store's condition refuses it.
    rounds.rounds[(CASE, round_id)] = stale
    rounds.stage_read = lambda r, rd: [staged(ROUND_ITEM, lambda: False)]  # type: ignore[method-assign]
    original_get = rounds.get
    rounds.get = lambda c, r: replace(original_get(c, r), reads_in=("ana",))  # type: ignore[method-assign]
    assert code_of(lambda: read(service, ANA, round_id)) == (409, "already_read")


def test_the_consensus_goes_through_the_records_create_path(world: Any) -> None:
    service, rounds, audit, material, record, _ = world
    round_id = service.open(LEAD, CASE, "Q", ["ph_0000000001", "ph_0000000002"], [], ["ana", "ben"],
                            SOURCE)["roundId"]
    read(service, ANA, round_id)
    material.photos.discard("ph_0000000002")  # removed since: the entry links only what still exists
    assert code_of(lambda: service.close(LEAD, CASE, round_id, "L40.0", "Psoriasis", 3, " ", SOURCE)) == (
        400, "plan_required")
    assert code_of(lambda: service.close(LEAD, CASE, round_id, "L40.0", "P", 3, "x" * 1801, SOURCE)) == (
        400, "plan_too_long")
    closed = service.close(LEAD, CASE, round_id, "L40.0", "Psoriasis", 3, "Topicals", SOURCE)
    [(author, kind, content, links)] = record.created
    assert (author, kind, links) == ("lead", "diagnosis", {"photoIds": ["ph_0000000001"]})
    assert content["code"] == "L40.0" and content["clinicalStatus"] == "active"
    assert content["note"].endswith("Plan: Topicals") and "1 of 2 readers" in content["note"]
    assert closed["consensus"]["recordEntryId"] == "dx_00000001" and closed["readsVisible"]
    assert rounds.get(CASE, round_id).read_facts == (ReadFacts("ana", "L40.0", 3),)
    assert [e.action for e in audit.events][-1] == "consultation.close"
    # Closed: every doctor of the case sees everything; ben never read and cannot any more.
    assert service.get(BEN, CASE, round_id, SOURCE)["reads"][0]["readerId"] == "ana"
    assert code_of(lambda: read(service, BEN, round_id)) == (409, "round_closed")


def test_figures_group_pairs_by_doctor_and_months_by_closing(world: Any) -> None:
    service, rounds, *_ = world

    def closed(round_id: str, at: str, facts: list[tuple[str, str, int]], code: str = "L40.0") -> None:
        rounds.rounds[(CASE, round_id)] = Round(
            CASE, round_id, "pat", "lead", "", (), (), tuple(f[0] for f in facts), RoundStatus.CLOSED, at,
            reads_in=tuple(f[0] for f in facts), read_facts=tuple(ReadFacts(*f) for f in facts),
            consensus=Consensus(code, "", 3, "", "lead", at, "dx"))

    closed("cr_1", "2026-05-02T10:00:00+00:00", [("ben", "L40.0", 3), ("ana", "L40.0", 3)])
    closed("cr_2", "2026-04-02T10:00:00+00:00", [("ana", "L20.9", 2), ("ben", "L40.0", 3), ("lead", "L40.0", 2)])
    closed("cr_3", "2024-01-02T10:00:00+00:00", [("ana", "L20.9", 2), ("ben", "L20.9", 2)])  # too old
    figures = service.clinic_agreement()
    assert figures["rounds"] == 2
    assert [p["doctorIds"] for p in figures["cohenPairs"]] == [["ana", "ben"], ["ana", "lead"], ["ben", "lead"]]
    assert [p["n"] for p in figures["cohenPairs"]] == [2, 1, 1]
    assert figures["fleissDiagnosis"]["readsPerRound"] == 3 and figures["fleissDiagnosis"]["undefined"] == "too_few"
    by_doctor = {d["doctorId"]: d["diagnosis"]["value"] for d in figures["withConsensus"]}
    assert by_doctor == {"ana": 0.5, "ben": 1.0, "lead": 1.0}
    mine = service.my_agreement(ANA)
    months = {m["month"]: m["diagnosis"]["n"] for m in mine["months"]}
    assert (months["2026-05"], months["2026-04"], months["2026-03"]) == (1, 1, 0) and len(months) == 12
