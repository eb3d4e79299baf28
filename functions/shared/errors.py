"""Domain errors. Services raise these; entrypoints turn them into HTTP or WebSocket answers.

Each error carries a stable machine-readable `code` (clients and tests match on it, never on text)
and the HTTP status an entrypoint should use.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    status: ClassVar[int] = 500
    default_code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        # Machine-readable facts a client needs to recover (e.g. the current version after a 409).
        self.details = details


# A server-side fault's own message names internals (a table, a field, a key) that help operators
# and would help an attacker: the client gets the stable code and this sentence; the log gets the rest.
SERVER_FAULT_MESSAGE = "Something went wrong on our side. It has been recorded; please try again later."


def client_message(error: DomainError) -> str:
    """What a client is told about `error`: its own words, except for a server-side fault (500)."""
    return SERVER_FAULT_MESSAGE if error.status == 500 else error.message


class ValidationError(DomainError):
    status = 400
    default_code = "validation_error"


class Unauthenticated(DomainError):
    status = 401
    default_code = "unauthenticated"


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"


class NotFound(DomainError):
    """Also used when the caller has no right to a resource, so ids cannot be probed."""

    status = 404
    default_code = "not_found"


class Conflict(DomainError):
    status = 409
    default_code = "conflict"


class PayloadTooLarge(DomainError):
    status = 413
    default_code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    status = 415
    default_code = "unsupported_media_type"


class RateLimited(DomainError):
    status = 429
    default_code = "rate_limited"


class DependencyUnavailable(DomainError):
    """An AWS dependency failed after retries; safe for the client to retry later."""

    status = 503
    default_code = "service_unavailable"
