"""What the identity services need from the outside world."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from functions.shared.auth import Principal


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Principal: ...


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    id_token: str
    refresh_token: str | None
    expires_in: int


class IdentityProvider(Protocol):
    def password_sign_in(self, username: str, password: str) -> IssuedTokens:
        """Raise Unauthenticated(code=invalid_credentials) on a wrong username or password."""
        ...

    def refresh(self, refresh_token: str) -> IssuedTokens: ...

    def revoke(self, refresh_token: str) -> None:
        """End the session the refresh token belongs to (it, and the tokens issued with it). A token
        that is already invalid is not an error: signing out twice is signed out."""
        ...

    def complete_new_password(self, username: str, session: str, new_password: str) -> IssuedTokens:
        """Answer a first sign-in's NEW_PASSWORD_REQUIRED challenge with the person's own password."""
        ...

    def answer_mfa(self, username: str, session: str, code: str) -> IssuedTokens:
        """Answer SOFTWARE_TOKEN_MFA; ValidationError code_mismatch on a wrong code."""
        ...


@dataclass(frozen=True)
class StoredTicket:
    ticket_hash: str
    user_id: str
    username: str
    roles: str
    expires_at_epoch: int


class TicketStore(Protocol):
    def put(self, ticket: StoredTicket) -> None: ...

    def take(self, ticket_hash: str) -> StoredTicket | None:
        """Atomically remove and return the ticket, or None if it does not exist (anymore)."""
        ...
