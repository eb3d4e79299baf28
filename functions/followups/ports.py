"""Follow-ups: what a case's patient is asked to do by a date, and the reminders that say so.

A follow-up holds ids, a day, a modality, what is asked (`photos`, `score:<INSTRUMENT>`, `visit`) and
its state: nothing clinical (the reasons stay in the record entry it may come from). Notices are the
in-app side of a reminder and the delivery ledger of its e-mail and SMS; their text is made from the
kind alone, so no message ever carries health information.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from functions.shared.transact import TransactItem


class Modality(StrEnum):
    VIDEO = "video"
    PHOTO_REVIEW = "photo-review"
    SCORES = "scores"
    IN_PERSON = "in-person"


class FollowupState(StrEnum):
    PLANNED = "planned"
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"
    CANCELLED = "cancelled"


OPEN_STATES = frozenset({FollowupState.PLANNED, FollowupState.DUE, FollowupState.OVERDUE})


class Step(StrEnum):
    """The reminders of one follow-up, each sent at most once."""

    UPCOMING = "upcoming"  # the day before
    DUE = "due"  # on the day
    OVERDUE = "overdue"  # after the grace days


# A notice's kind: a follow-up's reminder step (`followup.<step>`), or a colleague's consult invitation
# (functions.cases.adapters.NoticeInvitations: the one `notices` table holds both).
INVITATION_KIND = "consult.invitation"
NOTICE_KINDS = (*(f"followup.{step.value}" for step in Step), INVITATION_KIND)


@dataclass(frozen=True)
class Followup:
    case_id: str
    followup_id: str
    patient_id: str
    due_day: str  # YYYY-MM-DD, the clinic's calendar
    modality: Modality
    asks: tuple[str, ...]
    state: FollowupState
    created_at: str
    created_by: str
    series_id: str = ""
    source_entry_id: str = ""
    met: tuple[str, ...] = ()  # the asks already answered
    closed_at: str = ""
    closed_by: str = ""  # a person, or what answered it ("photo:<id>", "score:<id>", "visit:<id>")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def with_state(self, state: FollowupState, **changes: str | tuple[str, ...]) -> Followup:
        return replace(self, state=state, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Channels:
    email: bool = True
    sms: bool = False


@dataclass(frozen=True)
class NoticeSettings:
    """A person's choice of reminder channels and quiet hours (in-app notices are always kept)."""

    channels: Channels = field(default_factory=Channels)
    quiet_start: str = ""  # "HH:MM" local time; empty: no quiet hours
    quiet_end: str = ""
    time_zone: str = ""  # IANA; empty: the clinic's
    language: str = ""  # of the reminders (functions/shared/languages.json); empty: not chosen, English


class Delivery(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"  # not chosen, or no address
    FAILED = "failed"  # gave up after the retries (alarmed)


@dataclass(frozen=True)
class Notice:
    user_id: str
    notice_id: str  # deterministic: fu#<followupId>#<step>, so a re-run finds the same notice
    kind: str  # one of NOTICE_KINDS
    case_id: str
    followup_id: str
    due_day: str
    created_at: str
    read_at: str = ""
    deliveries: dict[str, str] = field(default_factory=dict)  # channel -> Delivery
    attempts: int = 0
    last_error: str = ""


@dataclass(frozen=True)
class Contact:
    email: str = ""
    phone: str = ""


class FollowupStore(Protocol):
    def put_new(self, followups: list[Followup]) -> None:
        """Write new follow-ups (all or none)."""
        ...

    def stage_new(self, followups: list[Followup]) -> list[TransactItem]:
        """New follow-ups' items, for the transaction of their audit entry (at most MAX_REPEATS)."""
        ...

    def get(self, case_id: str, followup_id: str) -> Followup | None: ...

    def for_case(self, case_id: str) -> list[Followup]:
        """Every follow-up of the case, by due day."""
        ...

    def open_due_by(self, months: list[str], last_day: str) -> list[Followup]:
        """Open follow-ups due on or before `last_day` in these months (YYYY-MM), through the sparse
        index of open follow-ups: no scan, and closed ones are not in it."""
        ...

    def save_state(self, before: Followup, after: Followup) -> bool:
        """Compare-and-set on the state and what is met; False when someone else changed it first."""
        ...

    def stage_state(self, before: Followup, after: Followup) -> TransactItem:
        """The same compare-and-set, for the transaction of an audit entry."""
        ...


class NoticeStore(Protocol):
    def create(self, notice: Notice) -> bool:
        """Write it unless it exists (False then): the exactly-once point of a reminder."""
        ...

    def get(self, user_id: str, notice_id: str) -> Notice | None: ...

    def claim(self, user_id: str, notice_id: str, now: float, lease_seconds: int) -> bool:
        """Take the notice for delivery unless another run holds an unexpired lease on it."""
        ...

    def save_delivery(self, notice: Notice) -> None:
        """The deliveries after a run, and the lease released."""
        ...

    def recent(self, user_id: str, limit: int) -> list[Notice]:
        """Newest first."""
        ...

    def mark_read(self, user_id: str, notice_id: str, at: str) -> bool: ...

    def settings(self, user_id: str) -> NoticeSettings | None: ...

    def save_settings(self, user_id: str, settings: NoticeSettings) -> None: ...


class Messenger(Protocol):
    def email(self, to: str, subject: str, text: str) -> None:
        """Raises DependencyUnavailable when the message could not be handed over (retried later)."""
        ...

    def sms(self, to: str, text: str) -> None: ...


class ContactBook(Protocol):
    def contact_of(self, user_id: str) -> Contact: ...


class LiveNotifier(Protocol):
    def notify_user(self, user_id: str, message: dict[str, object]) -> int: ...
