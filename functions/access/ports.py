"""The per-case access model every capability uses."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from functions.shared.auth import Principal


class GrantKind(StrEnum):
    OWNER = "owner"  # the patient whose case it is
    ASSIGNED = "assigned"  # the case's treating doctors
    INVITED = "invited"  # doctors asked to consult, until expiresAtEpoch


@dataclass(frozen=True)
class Grant:
    case_id: str
    principal_id: str
    kind: GrantKind
    granted_by: str
    granted_at: str
    expires_at_epoch: int | None = None
    # An invitation's consult question, sealed by the cases capability (opaque here), and the
    # colleague's answer ("accepted" or "declined") with its time.
    question: bytes | None = None
    answer: str | None = None
    answered_at: str | None = None

    def active(self, now_epoch: int) -> bool:
        return self.expires_at_epoch is None or self.expires_at_epoch > now_epoch


@dataclass(frozen=True)
class GrantPage:
    grants: list[Grant]
    cursor: str | None


class GrantStore(Protocol):
    def get(self, case_id: str, principal_id: str) -> Grant | None: ...

    def for_case(self, case_id: str) -> list[Grant]: ...

    def for_principal(self, principal_id: str, limit: int, cursor: str | None) -> GrantPage:
        """The principal's grants in caseId order, one Query page at a time."""
        ...

    def put(self, grant: Grant) -> None: ...


@dataclass(frozen=True)
class AccessRefusal:
    """Someone was refused a case, or a route their role may not use."""

    principal: Principal
    action: str
    resource_type: str  # "case" or "route"
    resource_id: str
    case_id: str | None
    patient_id: str | None  # the case's owner; None when there is no such case (or no case)


class RefusalRecorder(Protocol):
    def refused(self, refusal: AccessRefusal) -> None: ...
