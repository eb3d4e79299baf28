"""Accounts, run by the clinic's admins in the app: create a patient or a doctor, disable and enable.

A new account gets a temporary password made here (meeting the pool's policy) that Cognito's invitation
message delivers (e-mail or SMS); the admin never sees it, and the person replaces it at first sign-in.
Disabling also signs the account out everywhere (its refresh tokens stop working). Every change is
audited under the account's id. Admins see account facts, never clinical content.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any, Protocol

from functions.audit.chain import AuditEvent, Outcome
from functions.identity.passwords import password_policy
from functions.shared.auth import Principal, Role

CREATABLE_ROLES = (Role.PATIENT, Role.DOCTOR)
# Cognito's status of an account whose password is a temporary one (changed at the next sign-in).
FORCE_CHANGE_STATUS = "FORCE_CHANGE_PASSWORD"
SYMBOLS = "!-_+=.@#%"


@dataclass(frozen=True)
class NewAccount:
    username: str
    role: Role
    name: str
    email: str | None = None
    phone: str | None = None
    birthdate: str | None = None  # patients
    gender: str | None = None  # patients
    title: str | None = None  # doctors


class AccountDirectory(Protocol):
    def create(self, account: NewAccount, temporary_password: str) -> str:
        """The new account's user id; Conflict `username_taken` when the username exists."""
        ...

    def set_enabled(self, username: str, enabled: bool) -> str:
        """The account's user id; NotFound `account_not_found`. Disabling signs it out everywhere."""
        ...

    def rename(self, username: str, name: str) -> str:
        """The account's user id, after its display name changed; NotFound `account_not_found`."""
        ...

    def reset_password(self, username: str, temporary_password: str) -> str:
        """The account's user id, after its password became this temporary one (signed out everywhere,
        invited again); NotFound `account_not_found`."""
        ...


class Audit(Protocol):
    def record(self, event: AuditEvent) -> Any: ...


def temporary_password() -> str:
    """Random, and meeting every rule of the pool's policy (one of each class, then letters and digits)."""
    length = max(int(password_policy()["MinimumLength"]), 16)
    picks = [secrets.choice(string.ascii_lowercase), secrets.choice(string.ascii_uppercase),
             secrets.choice(string.digits), secrets.choice(SYMBOLS)]
    picks += [secrets.choice(string.ascii_letters + string.digits) for _ in range(length - len(picks))]
    secrets.SystemRandom().shuffle(picks)
    return "".join(picks)


class AccountService:
    def __init__(self, directory: AccountDirectory, audit: Audit) -> None:
        self._directory = directory
        self._audit = audit

    def create(self, admin: Principal, account: NewAccount, *, request_id: str = "",
               source_ip: str = "") -> dict[str, Any]:
        user_id = self._directory.create(account, temporary_password())
        self._record(admin, "account.create", user_id, request_id, source_ip)
        return {"userId": user_id, "username": account.username, "role": account.role.value, "enabled": True}

    def set_enabled(self, admin: Principal, username: str, enabled: bool, *, request_id: str = "",
                    source_ip: str = "") -> dict[str, Any]:
        user_id = self._directory.set_enabled(username, enabled)
        self._record(admin, "account.enable" if enabled else "account.disable", user_id, request_id, source_ip)
        return {"userId": user_id, "username": username, "enabled": enabled}

    def rename(self, admin: Principal, username: str, name: str, *, request_id: str = "",
               source_ip: str = "") -> dict[str, Any]:
        """A corrected display name (shown to the account's patients or doctors within the directory
        cache's 5 minutes). Audited `account.rename`; the name itself stays out of the audit entry."""
        user_id = self._directory.rename(username, name.strip())
        self._record(admin, "account.rename", user_id, request_id, source_ip)
        return {"userId": user_id, "username": username, "name": name.strip()}

    def reset_password(self, admin: Principal, username: str, *, request_id: str = "",
                       source_ip: str = "") -> dict[str, Any]:
        """A new temporary password, delivered like the first invitation; the person chooses their own
        at the next sign-in. Audited `account.reset_password`; no password in the answer or the audit."""
        user_id = self._directory.reset_password(username, temporary_password())
        self._record(admin, "account.reset_password", user_id, request_id, source_ip)
        return {"userId": user_id, "username": username, "status": FORCE_CHANGE_STATUS}

    def _record(self, admin: Principal, action: str, user_id: str, request_id: str, source_ip: str) -> None:
        self._audit.record(AuditEvent(
            actor_id=admin.user_id, role=admin.role.value, action=action, resource_type="account",
            resource_id=user_id, outcome=Outcome.SUCCESS, request_id=request_id, source_ip=source_ip,
        ))
