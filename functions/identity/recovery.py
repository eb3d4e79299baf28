"""A forgotten password reset through the user pool's code flow, and TOTP enrolment.

Forgotten password: anyone may ask for a code (the answer is the same whether the account exists, so
the form cannot list accounts); the pool sends it by the account's e-mail or SMS; the code and a new
password meeting the policy set it. Requests and wrong codes count in their own throttle scope (the 6th
request for one account within 15 minutes waits 30 s, then doubling), which also caps the messages one
person can make the pool send to someone else. Each finished reset is audited under the account's id;
neither the code nor the password is logged or audited.

TOTP: a signed-in person gets a secret (and an otpauth:// URI for the QR code), confirms it with a
first code, and from then on Cognito asks for a code at every sign-in (SOFTWARE_TOKEN_MFA).
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote, urlencode

from functions.audit.chain import AuditEvent, Outcome
from functions.identity.passwords import unmet_rules
from functions.identity.throttle import SignInThrottle
from functions.shared.auth import Principal
from functions.shared.errors import ValidationError

ISSUER = "DermaFollow"
# What the recovery and enrolment routes answer (each the only answer of its route).
CODE_SENT = "sent_if_account_exists"  # the same whether or not the account exists
RESET_DONE = "password_reset"  # the new password is set
TOTP = "totp"  # the second sign-in step now asked for


class RecoveryProvider(Protocol):
    def forgot_password(self, username: str) -> None: ...

    def confirm_forgot_password(self, username: str, code: str, new_password: str) -> None:
        """ValidationError code_mismatch / code_expired / weak_password; RateLimited."""
        ...

    def associate_software_token(self, access_token: str) -> str: ...

    def verify_software_token(self, access_token: str, code: str) -> None: ...


class AccountOwners(Protocol):
    def owner(self, username: str) -> tuple[str, str] | None:
        """(user id, role) of the account, or None."""
        ...


class Audit(Protocol):
    def record(self, event: AuditEvent) -> Any: ...


def require_policy(password: str) -> None:
    unmet = unmet_rules(password)
    if unmet:
        raise ValidationError("That password does not meet the policy.", code="weak_password",
                              details={"unmetRules": unmet})


def otpauth_uri(username: str, secret: str) -> str:
    """The key URI authenticator apps read from a QR code (issuer and account shown in the app)."""
    label = quote(f"{ISSUER}:{username}")
    return f"otpauth://totp/{label}?" + urlencode({"secret": secret, "issuer": ISSUER})


class PasswordRecovery:
    def __init__(self, provider: RecoveryProvider, owners: AccountOwners, audit: Audit,
                 throttle: SignInThrottle | None = None) -> None:
        self._provider = provider
        self._owners = owners
        self._audit = audit
        self._throttle = throttle

    def request_code(self, username: str, source_ip: str = "") -> dict[str, Any]:
        if self._throttle is not None:
            self._throttle.check(username, source_ip)
            self._throttle.failed(username, source_ip)
        self._provider.forgot_password(username)
        return {"status": CODE_SENT}

    def reset(self, username: str, code: str, new_password: str, *, request_id: str = "",
              source_ip: str = "") -> dict[str, Any]:
        if self._throttle is not None:
            self._throttle.check(username, source_ip)
        require_policy(new_password)
        try:
            self._provider.confirm_forgot_password(username, code, new_password)
        except ValidationError as refused:
            if self._throttle is not None and refused.code in {"code_mismatch", "code_expired"}:
                self._throttle.failed(username, source_ip)
            raise
        owner = self._owners.owner(username)
        if owner is not None:
            user_id, role = owner
            self._audit.record(AuditEvent(
                actor_id=user_id, role=role, action="account.password_reset", resource_type="account",
                resource_id=user_id, outcome=Outcome.SUCCESS, request_id=request_id, source_ip=source_ip,
            ))
        return {"status": RESET_DONE}


class MfaEnrolment:
    def __init__(self, provider: RecoveryProvider, audit: Audit) -> None:
        self._provider = provider
        self._audit = audit

    def setup(self, principal: Principal, access_token: str) -> dict[str, Any]:
        secret = self._provider.associate_software_token(access_token)
        return {"secret": secret, "otpauthUri": otpauth_uri(principal.username, secret)}

    def verify(self, principal: Principal, access_token: str, code: str, *, request_id: str = "",
               source_ip: str = "") -> dict[str, Any]:
        self._provider.verify_software_token(access_token, code)
        self._audit.record(AuditEvent(
            actor_id=principal.user_id, role=principal.role.value, action="account.mfa_enrol",
            resource_type="account", resource_id=principal.user_id, outcome=Outcome.SUCCESS,
            request_id=request_id, source_ip=source_ip,
        ))
        return {"mfa": TOTP}
