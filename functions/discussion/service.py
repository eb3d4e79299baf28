"""A case's discussion: a thread per case among the doctors who may see it (assigned, and invited
colleagues while their accepted grant lasts). Patients and anyone else get 404, as for a missing case.

Messages are immutable: the author may retract one, which keeps it in the thread as a trace
("retracted by ... at ...") without its text. Text is sealed by the store; every read and write is
audited (ids only). Doctors online are told of a new message or a retraction by a
`discussion.message` frame carrying ids only: the text is read through the audited page route.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from typing import Any

from functions.access.ports import GrantKind
from functions.access.service import AccessPolicy, case_not_found
from functions.audit.chain import AuditEvent, Outcome
from functions.audit.ports import StagedWriteRejected
from functions.discussion.ports import Audit, CaseItems, DiscussionStore, LiveNotifier, Message, Ref, RefKind
from functions.shared.auth import Principal, Role
from functions.shared.clock import Clock, iso
from functions.shared.errors import Conflict, Forbidden, NotFound, ValidationError
from functions.shared.transact import TransactItem

MAX_TEXT = 4000
MAX_REFS = 10
# The cases the home page counts unread messages for (one Query each; a desk has tens of cases).
MAX_CASES_COUNTED = 100


def message_not_found() -> NotFound:
    return NotFound("No such message in this case's discussion.", code="message_not_found")


def new_message_id(now: float) -> str:
    """Time first (13-digit epoch milliseconds, good until the year 2286), so ids sort as the thread."""
    return f"{int(now * 1000):013d}-{secrets.token_urlsafe(9)}"


def message_view(message: Message) -> dict[str, Any]:
    view: dict[str, Any] = {"messageId": message.message_id, "caseId": message.case_id,
                            "authorId": message.author_id, "postedAt": message.posted_at}
    if message.retracted_at:
        # The trace: who retracted it and when; the text and references are no longer shown.
        view.update(retracted=True, retractedAt=message.retracted_at, retractedBy=message.retracted_by,
                    text=None, refs=[])
    else:
        view.update(retracted=False, text=message.text,
                    refs=[{"kind": ref.kind.value, "id": ref.id} for ref in message.refs])
    return view


class DiscussionService:
    def __init__(self, store: DiscussionStore, access: AccessPolicy, items: CaseItems, audit: Audit,
                 live: LiveNotifier, clock: Clock = time.time) -> None:
        self._store = store
        self._access = access
        self._items = items
        self._audit = audit
        self._live = live
        self._clock = clock

    def _require_doctor(self, principal: Principal, case_id: str, action: str) -> None:
        """The case's doctors only; a patient (even the case's own) is answered like an outsider."""
        grant = self._access.require_case(principal, case_id, action=action)
        if grant.kind is GrantKind.OWNER or Role.DOCTOR not in principal.roles:
            raise case_not_found()

    def page(self, principal: Principal, case_id: str, limit: int, cursor: str | None, *, request_id: str = "",
             source_ip: str = "") -> dict[str, Any]:
        """One page of the thread, newest first. Audited `discussion.read` with the ids disclosed."""
        self._require_doctor(principal, case_id, "discussion.read")
        page = self._store.page(case_id, limit, cursor)
        self._record(principal, "discussion.read", case_id, case_id, "case",
                     tuple(m.message_id for m in page.messages), request_id, source_ip)
        return {"items": [message_view(m) for m in page.messages], "nextCursor": page.cursor}

    def post(self, principal: Principal, case_id: str, text: str, refs: list[dict[str, str]], *,
             request_id: str = "", source_ip: str = "") -> dict[str, Any]:
        """A new message; each reference must be the case's own photo, score or record entry (400
        `unknown_reference` otherwise, whether or not it exists in another case). Audited
        `discussion.post`; the case's other doctors online get a `discussion.message` frame."""
        self._require_doctor(principal, case_id, "discussion.post")
        body = text.strip()
        if not body:
            raise ValidationError("A message needs some text.", code="empty_message")
        if len(body) > MAX_TEXT:
            raise ValidationError(f"A message holds at most {MAX_TEXT} characters.", code="message_too_long")
        parsed = tuple(dict.fromkeys(Ref(RefKind(r["kind"]), r["id"]) for r in refs))
        if len(parsed) > MAX_REFS:
            raise ValidationError(f"A message refers to at most {MAX_REFS} items.", code="too_many_references")
        for ref in parsed:
            if not self._items.exists(case_id, ref):
                raise ValidationError(f"That {ref.kind.value} is not part of this case.", code="unknown_reference")
        now = self._clock()
        message = Message(case_id=case_id, message_id=new_message_id(now), author_id=principal.user_id,
                          posted_at=iso(now), text=body, refs=parsed)
        # The message and its audit entry in one transaction (tests/functional/test_fault_injection.py).
        self._record(principal, "discussion.post", case_id, message.message_id, "discussion_message", (),
                     request_id, source_ip, staged=[self._store.stage_add(message)])
        self._tell(case_id, message, principal.user_id)
        return message_view(message)

    def retract(self, principal: Principal, case_id: str, message_id: str, *, request_id: str = "",
                source_ip: str = "") -> dict[str, Any]:
        """The author withdraws their message; it stays in the thread as a dated trace."""
        self._require_doctor(principal, case_id, "discussion.retract")
        message = self._store.get(case_id, message_id)
        if message is None:
            raise message_not_found()
        if message.author_id != principal.user_id:
            raise Forbidden("Only the author may retract a message.", code="not_author")
        if message.retracted_at:
            raise Conflict("This message was already retracted.", code="already_retracted")
        at = iso(self._clock())
        try:
            self._record(principal, "discussion.retract", case_id, message_id, "discussion_message", (), request_id,
                         source_ip, staged=[self._store.stage_retract(case_id, message_id, principal.user_id, at)])
        except StagedWriteRejected:
            raise Conflict("This message was already retracted.", code="already_retracted") from None
        retracted = Message(**{**message.__dict__, "retracted_at": at, "retracted_by": principal.user_id})
        self._tell(case_id, retracted, principal.user_id)
        return message_view(retracted)

    def mark_read(self, principal: Principal, case_id: str, message_id: str) -> dict[str, Any]:
        """The doctor has read the thread up to `message_id` (a message of this case)."""
        self._require_doctor(principal, case_id, "discussion.mark_read")
        if self._store.get(case_id, message_id) is None:
            raise message_not_found()
        self._store.mark_read(case_id, principal.user_id, message_id)
        return {"caseId": case_id, "lastRead": message_id,
                "unread": self._store.count_after(case_id, message_id, principal.user_id)}

    def unread(self, principal: Principal) -> dict[str, Any]:
        """Unread messages (by others) per case the doctor may see now; cases with none are left out.
        Counts and ids only, nothing clinical: not a disclosure to audit."""
        counts = []
        for case_id in self._access.all_visible_case_ids(principal, MAX_CASES_COUNTED):
            unread = self._store.count_after(case_id, self._store.last_read(case_id, principal.user_id),
                                             principal.user_id)
            if unread:
                counts.append({"caseId": case_id, "unread": unread})
        return {"items": counts}

    def _tell(self, case_id: str, message: Message, sender: str) -> None:
        frame: dict[str, Any] = {"type": "discussion.message", "caseId": case_id, "messageId": message.message_id,
                                 "authorId": message.author_id, "retracted": bool(message.retracted_at)}
        for grant in self._access.grants_of(case_id):  # live grants only: a revoked colleague hears nothing
            if grant.kind is not GrantKind.OWNER and grant.principal_id != sender:
                self._live.notify_user(grant.principal_id, frame)

    def _record(self, principal: Principal, action: str, case_id: str, resource_id: str, resource_type: str,
                resource_ids: tuple[str, ...], request_id: str, source_ip: str,
                staged: Sequence[TransactItem] = ()) -> None:
        self._audit.record(AuditEvent(
            actor_id=principal.user_id, role=principal.role.value, action=action, resource_type=resource_type,
            resource_id=resource_id, outcome=Outcome.SUCCESS, patient_id=self._access.owner_of(case_id) or "",
            case_id=case_id, resource_ids=resource_ids, request_id=request_id, source_ip=source_ip,
        ), staged)
