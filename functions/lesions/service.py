"""Lesions: created on the body map by anyone caring for the case, referenced by photos."""

from __future__ import annotations

import secrets
import time
from typing import Any

from functions.access.service import AccessPolicy
from functions.audit.chain import AuditEvent, Outcome
from functions.audit.ports import StagedWriteRejected
from functions.lesions.body_sites import body_sites
from functions.lesions.ports import Audit, Lesion, LesionStore
from functions.shared.auth import Principal
from functions.shared.clock import Clock, iso
from functions.shared.errors import Conflict, NotFound, ValidationError
from functions.shared.request_context import request_source


def new_lesion_id() -> str:
    return "les_" + secrets.token_urlsafe(9)


def lesion_not_found() -> NotFound:
    return NotFound("No such lesion on this case.", code="lesion_not_found")


def lesion_view(lesion: Lesion) -> dict[str, Any]:
    return {
        "lesionId": lesion.lesion_id,
        "caseId": lesion.case_id,
        "bodySite": lesion.body_site,
        "view": lesion.view,
        "x": lesion.x,
        "y": lesion.y,
        "label": lesion.label,
        "createdAt": lesion.created_at,
        "createdBy": lesion.created_by,
    }


class LesionService:
    def __init__(self, store: LesionStore, access: AccessPolicy, audit: Audit, clock: Clock = time.time) -> None:
        self._store = store
        self._access = access
        self._audit = audit
        self._clock = clock

    def create(self, principal: Principal, case_id: str, body_site: str, view: str, x: float, y: float,
               label: str) -> dict[str, Any]:
        """Pin a lesion on the figure. Schemas already checked types and ranges; this checks the
        site can be seen from that side of the figure (no chest on the back view)."""
        self._access.require_case(principal, case_id, action="lesion.create")
        site = body_sites().get(body_site)
        if site is None:
            raise ValidationError("bodySite is not a known body site.", code="unknown_body_site")
        if view not in site.views:
            raise ValidationError(f"{site.label} is not on the {view} view of the body map.", code="site_not_in_view")
        lesion = Lesion(
            case_id=case_id,
            lesion_id=new_lesion_id(),
            body_site=body_site,
            view=view,
            x=round(x, 4),
            y=round(y, 4),
            label=label.strip(),
            created_at=iso(self._clock()),
            created_by=principal.user_id,
        )
        # The lesion and its audit entry in one transaction: never one without the other, also when
        # the database fails between them (tests/functional/test_fault_injection.py).
        source = request_source()
        try:
            self._audit.record(AuditEvent(
                actor_id=principal.user_id, role=principal.role.value, action="lesion.create",
                resource_type="lesion", resource_id=lesion.lesion_id, outcome=Outcome.SUCCESS,
                patient_id=self._access.owner_of(case_id) or "", case_id=case_id,
                request_id=source.request_id, source_ip=source.source_ip,
            ), staged=[self._store.stage_create(lesion)])
        except StagedWriteRejected:
            raise Conflict("That lesion id is taken.", code="lesion_exists") from None
        return lesion_view(lesion)

    def list(self, principal: Principal, case_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
        self._access.require_case(principal, case_id, action="lesion.list")
        lesions, next_cursor = self._store.for_case(case_id, limit, cursor)
        return {"items": [lesion_view(lesion) for lesion in lesions], "nextCursor": next_cursor}

    def get(self, principal: Principal, case_id: str, lesion_id: str) -> dict[str, Any]:
        self._access.require_case(principal, case_id, action="lesion.read")
        return lesion_view(self.require(case_id, lesion_id))

    def require(self, case_id: str, lesion_id: str) -> Lesion:
        """The lesion of this case (no access check: callers have done it), or NotFound."""
        lesion = self._store.get(case_id, lesion_id)
        if lesion is None:
            raise lesion_not_found()
        return lesion
