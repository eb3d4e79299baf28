"""Who may see a case. One rule for every capability:

- the patient who owns the case;
- its assigned doctors;
- doctors invited to it, until the invitation expires;
- admins run operations but never see clinical content (they are refused by role first).

Anyone else gets NotFound, exactly as for a case that does not exist, so ids cannot be probed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from functions.access.ports import Grant, GrantKind, GrantPage, GrantStore
from functions.shared.auth import Principal, Role
from functions.shared.errors import Forbidden, NotFound, ValidationError

MAX_INVITATION_HOURS = 24 * 30


def case_not_found() -> NotFound:
    return NotFound("No such case.", code="case_not_found")


class AccessPolicy:
    def __init__(self, grants: GrantStore, clock: Callable[[], float] = time.time) -> None:
        self._grants = grants
        self._clock = clock

    def require_case(self, principal: Principal, case_id: str) -> Grant:
        """The caller's active grant on the case, or NotFound."""
        if not principal.has_any((Role.PATIENT, Role.DOCTOR)):
            raise case_not_found()
        grant = self._grants.get(case_id, principal.user_id)
        if grant is None or not grant.active(int(self._clock())):
            raise case_not_found()
        if grant.kind is GrantKind.OWNER and Role.PATIENT not in principal.roles:
            raise case_not_found()
        if grant.kind is not GrantKind.OWNER and Role.DOCTOR not in principal.roles:
            raise case_not_found()
        return grant

    def require_assigned_doctor(self, principal: Principal, case_id: str) -> Grant:
        grant = self.require_case(principal, case_id)
        if grant.kind is not GrantKind.ASSIGNED:
            raise Forbidden("Only the case's assigned doctors may do this.", code="not_assigned")
        return grant

    def visible_case_ids(self, principal: Principal, limit: int, cursor: str | None) -> GrantPage:
        page = self._grants.for_principal(principal.user_id, limit, cursor)
        now = int(self._clock())
        return GrantPage([g for g in page.grants if g.active(now)], page.cursor)

    def grants_of(self, case_id: str) -> list[Grant]:
        now = int(self._clock())
        return [grant for grant in self._grants.for_case(case_id) if grant.active(now)]

    def open_case(self, case_id: str, patient_id: str, doctor_ids: list[str], granted_by: str) -> None:
        """Record the owner and assigned doctors of a newly opened case."""
        now = _iso(self._clock())
        self._grants.put(Grant(case_id, patient_id, GrantKind.OWNER, granted_by, now))
        for doctor_id in doctor_ids:
            self._grants.put(Grant(case_id, doctor_id, GrantKind.ASSIGNED, granted_by, now))

    def invite(self, inviter: Principal, case_id: str, doctor_id: str, hours: int) -> Grant:
        self.require_assigned_doctor(inviter, case_id)
        if not 1 <= hours <= MAX_INVITATION_HOURS:
            raise ValidationError("expiresInHours must be between 1 and 720.")
        existing = self._grants.get(case_id, doctor_id)
        if existing and existing.kind is not GrantKind.INVITED:
            raise ValidationError("That person already has access to the case.", code="already_has_access")
        now = self._clock()
        grant = Grant(
            case_id=case_id,
            principal_id=doctor_id,
            kind=GrantKind.INVITED,
            granted_by=inviter.user_id,
            granted_at=_iso(now),
            expires_at_epoch=int(now) + hours * 3600,
        )
        self._grants.put(grant)
        return grant


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="seconds")


def grant_view(grant: Grant) -> dict[str, object]:
    view: dict[str, object] = {"doctorId": grant.principal_id, "kind": grant.kind.value}
    if grant.expires_at_epoch is not None:
        view["expiresAt"] = _iso(grant.expires_at_epoch)
    return view
