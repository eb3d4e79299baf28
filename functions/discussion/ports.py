"""A case's discussion among its doctors: messages, references to the case's own items, read markers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from functions.audit.chain import AuditEvent
from functions.shared.transact import TransactItem


class RefKind(StrEnum):
    PHOTO = "photo"
    SCORE = "score"
    RECORD = "record"  # a medical-record entry


@dataclass(frozen=True)
class Ref:
    kind: RefKind
    id: str


@dataclass(frozen=True)
class Message:
    case_id: str
    message_id: str  # <13-digit epoch ms>-<random>: ids sort by time, so the thread pages in order
    author_id: str
    posted_at: str
    text: str
    refs: tuple[Ref, ...] = ()
    retracted_at: str = ""
    retracted_by: str = ""


@dataclass(frozen=True)
class MessagePage:
    messages: list[Message]
    cursor: str | None


class DiscussionStore(Protocol):
    def stage_add(self, message: Message) -> TransactItem:
        """The new message's item (text sealed), for the transaction of its audit entry."""
        ...

    def get(self, case_id: str, message_id: str) -> Message | None: ...

    def page(self, case_id: str, limit: int, cursor: str | None) -> MessagePage:
        """Newest first, one Query page; a cursor from another case is refused (invalid_cursor)."""
        ...

    def stage_retract(self, case_id: str, message_id: str, by: str, at: str) -> TransactItem:
        """Mark the message retracted (the text stays sealed and stored), for the transaction of its
        audit entry; its condition fails when the message already was."""
        ...

    def last_read(self, case_id: str, user_id: str) -> str:
        """The newest message id the user has read on the case, or ""."""
        ...

    def mark_read(self, case_id: str, user_id: str, message_id: str) -> None:
        """Move the user's marker forward to `message_id` (never back)."""
        ...

    def count_after(self, case_id: str, message_id: str, not_by: str) -> int:
        """Messages newer than `message_id` ("" for all) written by someone other than `not_by`."""
        ...


class CaseItems(Protocol):
    """Whether a referenced photo, score or record entry belongs to the case."""

    def exists(self, case_id: str, ref: Ref) -> bool: ...


class Audit(Protocol):
    def record(self, event: AuditEvent, staged: Sequence[TransactItem] = ()) -> Any: ...


class LiveNotifier(Protocol):
    def notify_user(self, user_id: str, message: dict[str, Any]) -> int: ...
