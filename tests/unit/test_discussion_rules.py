"""The case discussion's rules with in-memory ports: who may read and write (the case's doctors, an
invited colleague while the grant lasts; one who declined is out), references to the case's own items,
immutability with the author's retraction, the live frame's recipients, unread counts, the audit."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest

from functions.access.service import AccessPolicy
from functions.audit.ports import StagedWriteRejected
from functions.discussion.ports import Message, MessagePage, Ref, RefKind
from functions.discussion.service import DiscussionService
from functions.shared.auth import Principal, Role
from functions.shared.errors import Conflict, Forbidden, NotFound, ValidationError
from functions.shared.transact import TransactItem
from tests.support.fakes import Clock, MemoryGrants

PATIENT = Principal("p1", "pat", frozenset({Role.PATIENT}))
LEAD = Principal("d1", "lead", frozenset({Role.DOCTOR}))
COLLEAGUE = Principal("d2", "colleague", frozenset({Role.DOCTOR}))
OUTSIDER = Principal("d3", "outsider", frozenset({Role.DOCTOR}))
ADMIN = Principal("a1", "ops", frozenset({Role.ADMIN}))


class MemoryThread:
    def __init__(self) -> None:
        self.messages: dict[tuple[str, str], Message] = {}
        self.markers: dict[tuple[str, str], str] = {}

    def stage_add(self, message: Message) -> TransactItem:
        # A fake transaction: the staged write lands at once (the audit fake records the entry).
        self.messages[(message.case_id, message.message_id)] = message
        return TransactItem("discussion.post", "put", {}, None)

    def get(self, case_id: str, message_id: str) -> Message | None:
        return self.messages.get((case_id, message_id))

    def page(self, case_id: str, limit: int, cursor: str | None) -> MessagePage:
        ordered = sorted((m for (c, _), m in self.messages.items() if c == case_id), key=lambda m: m.message_id,
                         reverse=True)
        start = int(cursor) if cursor else 0
        more = start + limit < len(ordered)
        return MessagePage(ordered[start:start + limit], str(start + limit) if more else None)

    def stage_retract(self, case_id: str, message_id: str, by: str, at: str) -> TransactItem:
        message = self.messages[(case_id, message_id)]
        if message.retracted_at:
            raise StagedWriteRejected(["discussion.retract"])
        self.messages[(case_id, message_id)] = dataclasses.replace(message, retracted_at=at, retracted_by=by)
        return TransactItem("discussion.retract", "update", {}, None)

    def last_read(self, case_id: str, user_id: str) -> str:
        return self.markers.get((case_id, user_id), "")

    def mark_read(self, case_id: str, user_id: str, message_id: str) -> None:
        self.markers[(case_id, user_id)] = max(self.markers.get((case_id, user_id), ""), message_id)

    def count_after(self, case_id: str, message_id: str, not_by: str) -> int:
        return sum(1 for (c, mid), m in self.messages.items()
                   if c == case_id and mid > message_id and m.author_id != not_by)


class CaseItems:
    def __init__(self, owned: set[tuple[str, Ref]]) -> None:
        self.owned = owned

    def exists(self, case_id: str, ref: Ref) -> bool:
        return (case_id, ref) in self.owned


class Recorded:
    def __init__(self) -> None:
        self.events: list[Any] = []
        self.frames: list[tuple[str, dict[str, Any]]] = []

    def record(self, event: Any, staged: Sequence[TransactItem] = ()) -> None:
        self.events.append(event)

    def notify_user(self, user_id: str, message: dict[str, Any]) -> int:
        self.frames.append((user_id, message))
        return 1


PHOTO = Ref(RefKind.PHOTO, "ph_0000000001")


@pytest.fixture
def world() -> tuple[DiscussionService, AccessPolicy, MemoryThread, Recorded, Clock]:
    clock = Clock(1_800_000_000.0)
    access = AccessPolicy(MemoryGrants(), clock=clock)
    access.open_case("c1", PATIENT.user_id, [LEAD.user_id], granted_by="seed")
    access.open_case("c2", "p2", [OUTSIDER.user_id], granted_by="seed")
    thread, recorded = MemoryThread(), Recorded()
    service = DiscussionService(thread, access, CaseItems({("c1", PHOTO)}), recorded, recorded, clock=clock)
    return service, access, thread, recorded, clock


def test_the_case_doctors_and_an_invited_colleague_talk_until_the_grant_ends(world: Any) -> None:
    service, access, _, recorded, clock = world
    access.invite(LEAD, "c1", COLLEAGUE.user_id, hours=2)
    access.answer(COLLEAGUE, "c1", True)
    posted = service.post(LEAD, "c1", "  Look at the elbow.  ", [{"kind": "photo", "id": PHOTO.id}])
    assert (posted["text"], posted["refs"]) == ("Look at the elbow.", [{"kind": "photo", "id": PHOTO.id}])
    assert recorded.frames == [(COLLEAGUE.user_id, {"type": "discussion.message", "caseId": "c1",
                                                    "messageId": posted["messageId"], "authorId": LEAD.user_id,
                                                    "retracted": False})]
    assert [m["text"] for m in service.page(COLLEAGUE, "c1", 20, None)["items"]] == ["Look at the elbow."]
    assert service.unread(COLLEAGUE) == {"items": [{"caseId": "c1", "unread": 1}]}
    assert service.unread(LEAD) == {"items": []}  # one's own messages are not unread
    assert service.mark_read(COLLEAGUE, "c1", posted["messageId"])["unread"] == 0
    assert [(e.action, e.patient_id) for e in recorded.events] == [
        ("discussion.post", PATIENT.user_id), ("discussion.read", PATIENT.user_id)]

    clock.advance(2 * 3600)  # the grant expires: nothing more reaches them, and they read nothing
    recorded.frames.clear()
    service.post(LEAD, "c1", "Still there?", [])
    assert recorded.frames == []
    with pytest.raises(NotFound):
        service.page(COLLEAGUE, "c1", 20, None)


@pytest.mark.parametrize("who", [PATIENT, OUTSIDER, ADMIN])
def test_the_patient_an_outsider_and_an_admin_get_not_found(world: Any, who: Principal) -> None:
    service, *_ = world
    message_id = service.post(LEAD, "c1", "hello", [])["messageId"]
    with pytest.raises(NotFound):
        service.page(who, "c1", 20, None)
    with pytest.raises(NotFound):
        service.post(who, "c1", "x", [])
    with pytest.raises(NotFound):
        service.retract(who, "c1", message_id)
    with pytest.raises(NotFound):
        service.mark_read(who, "c1", message_id)


def test_a_colleague_who_declined_reads_and_hears_nothing(world: Any) -> None:
    service, access, _, recorded, _ = world
    access.invite(LEAD, "c1", COLLEAGUE.user_id, hours=2)
    access.answer(COLLEAGUE, "c1", False)
    service.post(LEAD, "c1", "Anyone?", [])
    assert recorded.frames == []
    with pytest.raises(NotFound):
        service.page(COLLEAGUE, "c1", 20, None)


def test_references_must_be_the_cases_own_and_text_is_required(world: Any) -> None:
    service, *_ = world
    with pytest.raises(ValidationError) as foreign:
        service.post(LEAD, "c1", "see", [{"kind": "score", "id": "sc_0000000001"}])
    assert foreign.value.code == "unknown_reference"
    with pytest.raises(ValidationError) as empty:
        service.post(LEAD, "c1", "   ", [])
    assert empty.value.code == "empty_message"


def test_only_the_author_retracts_once_and_a_trace_stays(world: Any) -> None:
    service, access, _, recorded, clock = world
    access.invite(LEAD, "c1", COLLEAGUE.user_id, hours=2)
    access.answer(COLLEAGUE, "c1", True)
    message = service.post(LEAD, "c1", "A wrong thought", [{"kind": "photo", "id": PHOTO.id}])
    with pytest.raises(Forbidden):
        service.retract(COLLEAGUE, "c1", message["messageId"])
    clock.advance(60)
    trace = service.retract(LEAD, "c1", message["messageId"])
    assert (trace["retracted"], trace["text"], trace["refs"], trace["retractedBy"]) == (True, None, [], LEAD.user_id)
    assert recorded.frames[-1][1]["retracted"] is True
    with pytest.raises(Conflict):
        service.retract(LEAD, "c1", message["messageId"])
    listed = service.page(COLLEAGUE, "c1", 20, None)["items"]
    assert [(m["messageId"], m["retracted"], m["text"]) for m in listed] == [(message["messageId"], True, None)]
    with pytest.raises(NotFound):
        service.retract(LEAD, "c1", "0000000000000-nope")


def test_messages_page_newest_first(world: Any) -> None:
    service, _, _, _, clock = world
    for n in range(5):
        service.post(LEAD, "c1", f"m{n}", [])
        clock.advance(1)
    first = service.page(LEAD, "c1", 2, None)
    rest = service.page(LEAD, "c1", 10, first["nextCursor"])
    assert [m["text"] for m in first["items"] + rest["items"]] == ["m4", "m3", "m2", "m1", "m0"]
    assert rest["nextCursor"] is None
