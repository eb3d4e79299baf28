"""People by name: display names for the people a caller has a care relationship with.

Names are PHI: they are read from the user directory on demand (cached in memory for a bounded time),
never logged and never copied into DynamoDB items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from functions.access.ports import GrantKind
from functions.access.service import AccessPolicy
from functions.shared.auth import Principal, Role
from functions.shared.errors import Forbidden, ValidationError

MAX_IDS = 50  # one screen shows at most a case list page (50) of people
_CASE_PAGE = 100
_MAX_CASES = 1000  # a doctor's relationship scan stops here; beyond that, unseen people are simply omitted


@dataclass(frozen=True)
class Profile:
    user_id: str
    name: str
    birthdate: str = ""
    gender: str = ""
    title: str = ""


class ProfileDirectory(Protocol):
    def profiles_of(self, user_ids: list[str]) -> dict[str, Profile]: ...

    def members_of(self, role: Role) -> list[Profile]: ...


SEARCH_LIMIT = 20  # a picker shows a screenful; more letters narrow it


class CaseReadAudit(Protocol):
    def case_read(self, principal: Principal, action: str, cases: tuple[tuple[str, str], ...], outcome: str,
                  request_id: str, source_ip: str) -> None: ...


def age_on(birthdate: str, today: date) -> int | None:
    try:
        born = date.fromisoformat(birthdate)
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def person_view(profile: Profile, role: str, today: date) -> dict[str, Any]:
    view: dict[str, Any] = {"userId": profile.user_id, "role": role, "name": profile.name}
    if role == Role.DOCTOR.value:
        view["title"] = profile.title or None
    else:
        view["age"] = age_on(profile.birthdate, today) if profile.birthdate else None
        view["sex"] = profile.gender or None
    return view


class PeopleService:
    def __init__(self, directory: ProfileDirectory, access: AccessPolicy, audit: CaseReadAudit,
                 today: Any = date.today) -> None:
        self._directory = directory
        self._access = access
        self._audit = audit
        self._today = today

    def lookup(self, principal: Principal, user_ids: list[str], *, request_id: str = "",
               source_ip: str = "") -> dict[str, Any]:
        if principal.role is Role.ADMIN:
            raise Forbidden("Operations accounts do not see clinical people.")
        wanted = sorted({u for u in user_ids if u})
        if not wanted or len(wanted) > MAX_IDS:
            raise ValidationError(f"ids must name 1 to {MAX_IDS} people.", code="invalid_ids")
        related = self._related(principal)  # person id -> (a case linking the caller to them, their role there)
        related.setdefault(principal.user_id, ("", principal.role.value))
        allowed = [u for u in wanted if u in related]
        profiles = self._directory.profiles_of(allowed) if allowed else {}
        today = self._today()
        people = [person_view(profiles[u], related[u][1], today) for u in allowed if u in profiles]
        disclosed = tuple(
            (related[p["userId"]][0], p["userId"]) for p in people
            if p["role"] == Role.PATIENT.value and p["userId"] != principal.user_id
        )
        if disclosed:
            self._audit.case_read(principal, "people.read", disclosed, "success", request_id, source_ip)
        return {"items": people}

    def search(self, principal: Principal, role: Role, text: str, *, request_id: str = "",
               source_ip: str = "") -> dict[str, Any]:
        """The clinic's patients or doctors whose name contains every word typed (case-insensitive),
        for a doctor opening a case or inviting a colleague. One deployment serves one clinic, so its
        patient list is the care relationship that lets a doctor find a patient. Patients found are
        disclosed names: audited as `people.search`."""
        if principal.role is not Role.DOCTOR:
            raise Forbidden("Only doctors search the clinic's people.")
        words = [w for w in text.casefold().split() if w]
        if not words:
            raise ValidationError("Type part of a name.", code="invalid_query")
        found = [p for p in self._directory.members_of(role)
                 if p.user_id != principal.user_id and all(w in p.name.casefold() for w in words)]
        found.sort(key=lambda p: (not p.name.casefold().startswith(words[0]), p.name.casefold()))
        today = self._today()
        people = [person_view(p, role.value, today) for p in found[:SEARCH_LIMIT]]
        if role is Role.PATIENT and people:
            self._audit.case_read(principal, "people.search", tuple(("", p["userId"]) for p in people), "success",
                                  request_id, source_ip)
        return {"items": people}

    def _related(self, principal: Principal) -> dict[str, tuple[str, str]]:
        related: dict[str, tuple[str, str]] = {}
        cursor: str | None = None
        seen = 0
        while seen < _MAX_CASES:
            page = self._access.visible_case_ids(principal, _CASE_PAGE, cursor)
            for grant in page.grants:
                seen += 1
                for other in self._access.grants_of(grant.case_id):
                    if principal.role is Role.PATIENT and other.kind is GrantKind.OWNER:
                        continue  # a patient sees their own doctors, not other patients
                    role = Role.PATIENT if other.kind is GrantKind.OWNER else Role.DOCTOR
                    related.setdefault(other.principal_id, (grant.case_id, role.value))
            cursor = page.cursor
            if not cursor:
                break
        return related
