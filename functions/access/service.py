"""Who may see a case. One rule for every capability:

- the patient who owns the case;
- its assigned doctors;
- doctors invited to it, until the invitation expires;
- admins run operations but never see clinical content (they are refused by role first).

Anyone else gets NotFound, exactly as for a case that does not exist, so ids cannot be probed.
Every refusal goes to the refusal recorder (the audit trail) under the action that was refused.
"""

from __future__ import annotations

import time
from dataclasses import replace

from functions.access.ports import AccessRefusal, Grant, GrantKind, GrantPage, GrantStore, RefusalRecorder
from functions.shared.auth import Principal, Role
from functions.shared.clock import Clock, iso
from functions.shared.errors import Conflict, Forbidden, NotFound, ValidationError

MAX_INVITATION_HOURS = 24 * 30


def case_not_found() -> NotFound:
    return NotFound("No such case.", code="case_not_found")


class AccessPolicy:
    def __init__(self, grants: GrantStore, clock: Clock = time.time,
                 refusals: RefusalRecorder | None = None) -> None:
        self._grants = grants
        self._clock = clock
        self._refusals = refusals

    def require_case(self, principal: Principal, case_id: str, action: str = "case.access") -> Grant:
        """The caller's active grant on the case, or NotFound (recorded as a refusal of `action`)."""
        grant = self.grant_for(principal, case_id)
        if grant is None:
            self._record_refusal(principal, action, case_id)
            raise case_not_found()
        return grant

    def grant_for(self, principal: Principal, case_id: str) -> Grant | None:
        """The caller's active grant on the case, if any. A lookup, not an attempt: nothing is recorded
        (for filtering, e.g. which of a patient's cases a doctor's export may include)."""
        if not principal.has_any((Role.PATIENT, Role.DOCTOR)):
            return None
        grant = self._grants.get(case_id, principal.user_id)
        return grant if grant is not None and self._grant_serves(grant, principal) else None

    def require_assigned_doctor(self, principal: Principal, case_id: str, action: str = "case.access") -> Grant:
        grant = self.require_case(principal, case_id, action)
        if grant.kind is not GrantKind.ASSIGNED:
            self._record_refusal(principal, action, case_id)
            raise Forbidden("Only the case's assigned doctors may do this.", code="not_assigned")
        return grant

    def refuse_route(self, principal: Principal, route: str, case_id: str | None) -> None:
        """Record that the caller's role may not use `route` (the entrypoint answers 403)."""
        self._record_refusal(principal, "route.refused", case_id, resource=("route", route))

    def _grant_serves(self, grant: Grant, principal: Principal) -> bool:
        if not grant.active(int(self._clock())):
            return False
        needed = Role.PATIENT if grant.kind is GrantKind.OWNER else Role.DOCTOR
        return needed in principal.roles

    def _record_refusal(self, principal: Principal, action: str, case_id: str | None,
                        resource: tuple[str, str] | None = None) -> None:
        if self._refusals is None:
            return
        owner = self.owner_of(case_id) if case_id else None
        resource_type, resource_id = resource or ("case", case_id or "")
        self._refusals.refused(AccessRefusal(principal, action, resource_type, resource_id, case_id, owner))

    def owner_of(self, case_id: str) -> str | None:
        """The patient whose case it is, or None when there is no such case."""
        for grant in self._grants.for_case(case_id):
            if grant.kind is GrantKind.OWNER:
                return grant.principal_id
        return None

    def visible_case_ids(self, principal: Principal, limit: int, cursor: str | None) -> GrantPage:
        page = self._grants.for_principal(principal.user_id, limit, cursor)
        now = int(self._clock())
        return GrantPage([g for g in page.grants if g.active(now)], page.cursor)

    def all_visible_case_ids(self, principal: Principal, most: int = 1000) -> list[str]:
        """Every case the caller may see now (page by page, at most `most`): the worklists' scope."""
        ids: list[str] = []
        cursor: str | None = None
        while len(ids) < most:
            page = self.visible_case_ids(principal, 100, cursor)
            ids.extend(grant.case_id for grant in page.grants)
            cursor = page.cursor
            if cursor is None:
                break
        return ids[:most]

    def grants_of(self, case_id: str) -> list[Grant]:
        now = int(self._clock())
        return [grant for grant in self._grants.for_case(case_id) if grant.active(now)]

    def open_case(self, case_id: str, patient_id: str, doctor_ids: list[str], granted_by: str) -> None:
        """Record the owner and assigned doctors of a newly opened case."""
        now = iso(self._clock())
        self._grants.put(Grant(case_id, patient_id, GrantKind.OWNER, granted_by, now))
        for doctor_id in doctor_ids:
            self._grants.put(Grant(case_id, doctor_id, GrantKind.ASSIGNED, granted_by, now))

    def invite(self, inviter: Principal, case_id: str, doctor_id: str, hours: int,
               question: bytes | None = None) -> Grant:
        self.require_assigned_doctor(inviter, case_id, action="case.invite")
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
            granted_at=iso(now),
            expires_at_epoch=int(now) + hours * 3600,
            question=question,
        )
        self._grants.put(grant)
        return grant

    def answer(self, colleague: Principal, case_id: str, accepted: bool) -> Grant:
        """The invited colleague takes the consult on or declines it; declining ends their access now.
        Only the invitation's own doctor answers it; anyone else is told there is no such invitation."""
        now = int(self._clock())
        existing = self._grants.get(case_id, colleague.user_id)
        if (existing is None or existing.kind is not GrantKind.INVITED or not existing.active(now)
                or Role.DOCTOR not in colleague.roles):
            self._record_refusal(colleague, "case.consult_answer", case_id)
            raise NotFound("No open invitation for you on this case.", code="invitation_not_found")
        if existing.answer is not None:
            raise Conflict(f"You already {existing.answer} this invitation.", code="already_answered")
        answered = replace(existing, answer="accepted" if accepted else "declined", answered_at=iso(now),
                           expires_at_epoch=existing.expires_at_epoch if accepted else now)
        self._grants.put(answered)
        return answered

    def revoke(self, revoker: Principal, case_id: str, doctor_id: str) -> Grant:
        """End a colleague's invitation now. The grant is kept, expired at this second, so who was
        invited and until when stays answerable; access ends on the next check (grants are read
        consistently)."""
        self.require_assigned_doctor(revoker, case_id, action="case.revoke")
        existing = self._grants.get(case_id, doctor_id)
        now = int(self._clock())
        if existing is None or existing.kind is not GrantKind.INVITED or not existing.active(now):
            raise NotFound("No open invitation for that doctor on this case.", code="invitation_not_found")
        ended = replace(existing, expires_at_epoch=now)
        self._grants.put(ended)
        return ended


def grant_view(grant: Grant) -> dict[str, object]:
    view: dict[str, object] = {"doctorId": grant.principal_id, "kind": grant.kind.value}
    if grant.expires_at_epoch is not None:
        view["expiresAt"] = iso(grant.expires_at_epoch)
    if grant.kind is GrantKind.INVITED:
        view["answer"] = grant.answer or "pending"
    return view
