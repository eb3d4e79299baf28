"""The rounds awaiting a doctor's read (the home page's list), with in-memory stores: one look per case
the doctor may read now, never more than 200 cases a request, continued by the grants' cursor; the
patient's own case and expired invitations are not looked at; only the cases shown are audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from functions.access.ports import Grant, GrantKind, GrantPage
from functions.access.service import AccessPolicy
from functions.consultation.ports import Round, RoundStatus
from functions.shared.auth import Principal, Role
from functions.worklist import service
from functions.worklist.service import WorklistService

DOCTOR = Principal("d1", "doc", frozenset({Role.DOCTOR}))
NOW = 1_800_000_000.0


class PagedGrants:
    """The doctor's grants in caseId order, a page at a time (the cursor: the next index)."""

    def __init__(self, grants: list[Grant]) -> None:
        self.grants = sorted(grants, key=lambda g: g.case_id)

    def get(self, case_id: str, principal_id: str) -> Grant | None:
        return next((g for g in self.grants if (g.case_id, g.principal_id) == (case_id, principal_id)), None)

    def for_case(self, case_id: str) -> list[Grant]:
        return [g for g in self.grants if g.case_id == case_id]

    def for_principal(self, principal_id: str, limit: int, cursor: str | None) -> GrantPage:
        mine = [g for g in self.grants if g.principal_id == principal_id]
        start = int(cursor or 0)
        end = start + limit
        return GrantPage(mine[start:end], str(end) if end < len(mine) else None)

    def put(self, grant: Grant) -> None:
        self.grants.append(grant)


def a_round(case_id: str, readers: tuple[str, ...] = ("d1",), reads_in: tuple[str, ...] = ()) -> Round:
    return Round(case_id=case_id, round_id=f"cr_{case_id}", patient_id=f"p_{case_id}", lead_id="d9",
                 question="Plaque or fungal?", photo_ids=(), score_ids=(), reader_ids=readers,
                 status=RoundStatus.OPEN, opened_at=f"2026-12-01T00:00:{case_id[-2:]}Z", reads_in=reads_in)


class Rounds:
    def __init__(self, rounds: list[Round]) -> None:
        self.rounds = rounds
        self.looked_at: list[str] = []

    def awaiting(self, case_id: str, reader_id: str) -> list[Round]:
        self.looked_at.append(case_id)
        return [r for r in self.rounds if r.case_id == case_id and reader_id in r.reader_ids
                and reader_id not in r.reads_in]


@dataclass
class Profile:
    name: str


class Names:
    def profiles_of(self, user_ids: list[str]) -> dict[str, Any]:
        return {user_id: Profile(f"name of {user_id}") for user_id in user_ids}


class Conditions:
    def get_many(self, case_ids: list[str]) -> list[Any]:
        return [type("Case", (), {"case_id": case_id, "condition": "Plaque psoriasis"})() for case_id in case_ids]


class Reads:
    def __init__(self) -> None:
        self.audited: list[tuple[str, tuple[tuple[str, str], ...]]] = []

    def case_read(self, principal: Principal, action: str, cases: tuple[tuple[str, str], ...], outcome: str,
                  request_id: str, source_ip: str) -> None:
        self.audited.append((action, cases))


def grant(case_id: str, kind: GrantKind = GrantKind.ASSIGNED, expires: int | None = None) -> Grant:
    return Grant(case_id=case_id, principal_id="d1", kind=kind, granted_by="seed", granted_at="2026-01-01T00:00:00Z",
                 expires_at_epoch=expires)


def worklist(grants: list[Grant], rounds: Rounds, reads: Reads) -> WorklistService:
    access = AccessPolicy(PagedGrants(grants), clock=lambda: NOW)
    return WorklistService(access, marks=None, events=None, reads=reads, names=Names(),  # type: ignore[arg-type]
                           conditions=Conditions(), clock=lambda: NOW, rounds=rounds)


def test_a_request_looks_at_200_cases_at_most_and_the_cursor_goes_on_from_there() -> None:
    cases = [f"case_{n:03d}" for n in range(500)]
    rounds = Rounds([a_round("case_450")])
    reads = Reads()
    reads_of = worklist([grant(c) for c in cases], rounds, reads)
    answers = []
    looked: list[int] = []
    cursor: str | None = None
    for _ in range(5):
        answer = reads_of.reads_awaiting(DOCTOR, 20, cursor)
        answers.append(answer)
        looked.append(len(rounds.looked_at) - sum(looked))
        cursor = answer["nextCursor"]
        if cursor is None:
            break
    assert looked == [service.ROUND_CASES_PER_REQUEST, service.ROUND_CASES_PER_REQUEST, 100]
    assert [len(a["items"]) for a in answers] == [0, 0, 1]
    assert rounds.looked_at == cases  # each case once, in order, over three bounded requests
    assert answers[2]["items"][0]["roundId"] == "cr_case_450"
    assert reads.audited == [("worklist.reads", (("case_450", "p_case_450"),))]  # only what was shown


def test_the_walk_stops_after_the_page_on_which_enough_rounds_were_found() -> None:
    cases = [f"case_{n:03d}" for n in range(120)]
    rounds = Rounds([a_round("case_003"), a_round("case_070")])
    reads_of = worklist([grant(c) for c in cases], rounds, Reads())
    first = reads_of.reads_awaiting(DOCTOR, 1, None)
    assert [item["roundId"] for item in first["items"]] == ["cr_case_003"]
    assert len(rounds.looked_at) == service.ROUND_CASES_PER_PAGE and first["nextCursor"] is not None
    second = reads_of.reads_awaiting(DOCTOR, 1, first["nextCursor"])
    assert [item["roundId"] for item in second["items"]] == ["cr_case_070"]


def test_own_case_expired_invitations_read_rounds_and_other_readers_are_left_out() -> None:
    rounds = Rounds([a_round("case_own"), a_round("case_old"), a_round("case_read", reads_in=("d1",)),
                     a_round("case_else", readers=("d2",)), a_round("case_live")])
    grants = [grant("case_own", GrantKind.OWNER), grant("case_old", GrantKind.INVITED, expires=int(NOW) - 1),
              grant("case_read"), grant("case_else"), grant("case_live", GrantKind.INVITED, expires=int(NOW) + 3600)]
    answer = worklist(grants, rounds, Reads()).reads_awaiting(DOCTOR, 20, None)
    assert [item["caseId"] for item in answer["items"]] == ["case_live"]
    assert "case_own" not in rounds.looked_at and "case_old" not in rounds.looked_at
    item = answer["items"][0]
    assert (item["patientName"], item["leadName"], item["condition"]) == (
        "name of p_case_live", "name of d9", "Plaque psoriasis")
    assert not {"readers", "readsIn", "readerIds"} & set(item)  # blinded: nothing of the other readers
