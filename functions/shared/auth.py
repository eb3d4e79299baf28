"""Who is calling: the principal the authorizer established, and role rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from functions.shared.errors import Forbidden, Unauthenticated


class Role(StrEnum):
    PATIENT = "patient"
    DOCTOR = "doctor"
    ADMIN = "admin"


# A person in several groups gets the clinical role first: the SPA opens one home per user.
ROLE_PRECEDENCE: tuple[Role, ...] = (Role.DOCTOR, Role.PATIENT, Role.ADMIN)
CLINICAL_ROLES = frozenset({Role.PATIENT, Role.DOCTOR})
ANY_ROLE = frozenset(Role)


def roles_from_groups(groups: Iterable[str]) -> frozenset[Role]:
    known = {role.value: role for role in Role}
    return frozenset(known[group] for group in groups if group in known)


@dataclass(frozen=True)
class Principal:
    user_id: str
    username: str
    roles: frozenset[Role]

    @property
    def role(self) -> Role:
        for role in ROLE_PRECEDENCE:
            if role in self.roles:
                return role
        raise Forbidden("This account has no role in DermaFollow.", code="no_role")

    def has_any(self, roles: Iterable[Role]) -> bool:
        return bool(self.roles & frozenset(roles))

    def require_any(self, roles: Iterable[Role]) -> None:
        if not self.has_any(roles):
            raise Forbidden("Your role may not use this resource.", code="wrong_role")

    def to_authorizer_context(self) -> dict[str, str]:
        # API Gateway authorizer context values must be strings, numbers or booleans.
        return {
            "userId": self.user_id,
            "username": self.username,
            "roles": ",".join(sorted(role.value for role in self.roles)),
        }

    @classmethod
    def from_authorizer_context(cls, context: Mapping[str, Any] | None) -> Principal:
        if not context or not context.get("principalId"):
            raise Unauthenticated("Sign in to continue.")
        roles = roles_from_groups(str(context.get("roles", "")).split(","))
        return cls(
            user_id=str(context["principalId"]),
            username=str(context.get("username", "")),
            roles=roles,
        )
