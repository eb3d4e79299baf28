"""Sign-in, token refresh and WebSocket connect tickets."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from functions.identity.ports import IdentityProvider, IssuedTokens, StoredTicket, TicketStore, TokenVerifier
from functions.identity.throttle import SignInThrottle
from functions.shared.auth import Principal, roles_from_groups
from functions.shared.clock import Clock
from functions.shared.errors import Unauthenticated, ValidationError


def me_view(principal: Principal) -> dict[str, Any]:
    return {
        "userId": principal.user_id,
        "username": principal.username,
        "role": principal.role.value,
        "displayName": principal.username,
    }


class SessionService:
    def __init__(self, provider: IdentityProvider, verifier: TokenVerifier,
                 throttle: SignInThrottle | None = None, mfa_required_roles: tuple[str, ...] = ()) -> None:
        self._provider = provider
        self._verifier = verifier
        self._throttle = throttle
        self._mfa_required_roles = frozenset(mfa_required_roles)

    def sign_in(self, username: str, password: str, source_ip: str = "") -> dict[str, Any]:
        """Cognito's answer, unless the account or the address must wait after repeated failures
        (checked first: a waiting guesser learns nothing, not even whether the password was right)."""
        if self._throttle is not None:
            self._throttle.check(username, source_ip)
        try:
            tokens = self._provider.password_sign_in(username, password)
        except Unauthenticated as refused:
            if self._throttle is not None and refused.code == "invalid_credentials":
                self._throttle.failed(username, source_ip)
            raise
        if self._throttle is not None:
            self._throttle.succeeded(username)
        return self._session(tokens, password_only=True)

    def complete_new_password(self, username: str, session: str, new_password: str,
                              source_ip: str = "") -> dict[str, Any]:
        """A first sign-in finished: the temporary password is replaced by the person's own."""
        if self._throttle is not None:
            self._throttle.check(username, source_ip)
        return self._session(self._provider.complete_new_password(username, session, new_password),
                             password_only=True)

    def answer_mfa(self, username: str, session: str, code: str, source_ip: str = "") -> dict[str, Any]:
        """The second step of a sign-in with an authenticator; wrong codes count like wrong passwords."""
        if self._throttle is not None:
            self._throttle.check(username, source_ip)
        try:
            tokens = self._provider.answer_mfa(username, session, code)
        except ValidationError:
            if self._throttle is not None:
                self._throttle.failed(username, source_ip)
            raise
        if self._throttle is not None:
            self._throttle.succeeded(username)
        return self._session(tokens)

    def refresh(self, refresh_token: str, source_ip: str = "") -> dict[str, Any]:
        if self._throttle is not None:
            self._throttle.check(None, source_ip)
        try:
            return self._session(self._provider.refresh(refresh_token))
        except Unauthenticated:
            if self._throttle is not None:
                self._throttle.failed(None, source_ip)
            raise

    def sign_out(self, refresh_token: str, source_ip: str = "") -> dict[str, Any]:
        """Revoke the session's refresh token, so a copy of it (a stolen laptop's storage) buys nothing
        more. Access tokens already issued stay valid until they expire (30 minutes, the app client's
        setting: the authorizer checks signatures, not Cognito)."""
        if self._throttle is not None:
            self._throttle.check(None, source_ip)
        self._provider.revoke(refresh_token)
        return {"status": "signed_out"}

    def _session(self, tokens: IssuedTokens, password_only: bool = False) -> dict[str, Any]:
        principal = self._verifier.verify(tokens.access_token)
        session: dict[str, Any] = {
            "accessToken": tokens.access_token,
            "expiresIn": tokens.expires_in,
            "me": me_view(principal),
        }
        if tokens.refresh_token:
            session["refreshToken"] = tokens.refresh_token
        if password_only and principal.role.value in self._mfa_required_roles:
            # A doctor or admin where the deployment requires an authenticator signed in without one
            # (Cognito asked for no code): the app takes them to the two-step sign-in set-up.
            session["mfaSetupRequired"] = True
        return session


def hash_ticket(ticket: str) -> str:
    # Only the hash is stored: a leaked table row cannot be replayed as a ticket.
    return hashlib.sha256(ticket.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedTicket:
    ticket: str
    expires_at_epoch: int


class ConnectTicketService:
    """Single-use, short-lived tickets: the WebSocket URL never carries a long-lived token."""

    def __init__(self, store: TicketStore, ttl_seconds: int, clock: Clock = time.time) -> None:
        self._store = store
        self._ttl = ttl_seconds
        self._clock = clock

    def issue(self, principal: Principal) -> IssuedTicket:
        ticket = secrets.token_urlsafe(32)
        expires = int(self._clock()) + self._ttl
        self._store.put(
            StoredTicket(
                ticket_hash=hash_ticket(ticket),
                user_id=principal.user_id,
                username=principal.username,
                roles=",".join(sorted(role.value for role in principal.roles)),
                expires_at_epoch=expires,
            )
        )
        return IssuedTicket(ticket=ticket, expires_at_epoch=expires)

    def redeem(self, ticket: str | None) -> Principal:
        """Consume a ticket; a missing, reused or expired ticket raises Unauthenticated."""
        if not ticket or len(ticket) > 128:
            raise Unauthenticated("A connect ticket is required.", code="ticket_required")
        stored = self._store.take(hash_ticket(ticket))
        if stored is None:
            raise Unauthenticated("This connect ticket is unknown or already used.", code="ticket_invalid")
        if stored.expires_at_epoch < int(self._clock()):
            raise Unauthenticated("This connect ticket has expired.", code="ticket_expired")
        return Principal(
            user_id=stored.user_id,
            username=stored.username,
            roles=roles_from_groups(stored.roles.split(",")),
        )
