"""Two-step sign-in required for staff: enforced on every request, not only announced at sign-in.

Where the deployment requires an authenticator for a role (`MFA_REQUIRED_ROLES`, the template's
`StaffMfa`), a person of that role who has none can sign in (Cognito has no per-group MFA rule) but
may then do only what setting one up needs: read who they are, and set up and confirm the
authenticator. Everything else answers 403 `mfa_setup_required`, so a stolen password alone opens
no patient's data even before the person has enrolled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Protocol

from functions.shared.auth import Principal
from functions.shared.clock import Clock
from functions.shared.errors import Forbidden

# What a person without an authenticator may still do: see who they are and enrol.
SET_UP_ROUTES = frozenset({"GET /me", "POST /auth/mfa/setup", "POST /auth/mfa/verify"})

# An enrolment is remembered per warm container for 5 minutes: one directory read per staff member
# per 5 minutes (Cognito's AdminGetUser shares a 120-per-second account quota). A missing
# authenticator is never remembered, so the request right after enrolling goes through.
ENROLLED_TTL_SECONDS = 300


class AuthenticatorDirectory(Protocol):
    def has_authenticator(self, username: str) -> bool:
        """Whether the account has a confirmed authenticator app (TOTP) for sign-in."""
        ...


class StaffMfaGate:
    def __init__(self, required_roles: Iterable[str], directory: AuthenticatorDirectory,
                 clock: Clock = time.time) -> None:
        self._required = frozenset(required_roles)
        self._directory = directory
        self._clock = clock
        self._enrolled_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, principal: Principal, route: str) -> None:
        """Refuse `route` to a person whose role needs an authenticator and who has none yet."""
        if not any(role.value in self._required for role in principal.roles) or route in SET_UP_ROUTES:
            return
        now = self._clock()
        with self._lock:
            if self._enrolled_until.get(principal.username, 0.0) > now:
                return
        if not self._directory.has_authenticator(principal.username):
            raise Forbidden("Your clinic requires two-step sign-in for your account. Set up an authenticator "
                            "app to continue.", code="mfa_setup_required")
        with self._lock:
            self._enrolled_until[principal.username] = now + ENROLLED_TTL_SECONDS
