"""The API Gateway custom authorizer (a Lambda of its own in AWS).

API Gateway answers 401 when an authorizer fails with the exact message "Unauthorized", and 403
when it returns a policy that does not allow the route. We allow every route for a valid token
(the decision is cached per token) and leave role and ownership checks to the services.
"""

from __future__ import annotations

from typing import Any

from chalice.app import AuthResponse, Blueprint

from functions.bootstrap import get_container
from functions.shared.errors import DomainError, Unauthenticated
from functions.shared.observability import log_info

authorizers = Blueprint(__name__)


class Unauthorized(Exception):
    """Raised to make API Gateway answer 401. The message must be exactly 'Unauthorized'."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def bearer_token(header: str | None) -> str:
    if not header:
        raise Unauthenticated("Sign in to continue.")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token or len(token) > 8192:
        raise Unauthenticated("Use 'Authorization: Bearer <token>'.", code="invalid_token")
    return token.strip()


def authorize(token_header: str | None) -> AuthResponse:
    try:
        principal = get_container().token_verifier.verify(bearer_token(token_header))
    except Unauthenticated as error:
        log_info("token refused", code=error.code)
        raise Unauthorized() from None
    except DomainError as error:
        # Keys unavailable: refusing is safer than guessing; the client retries.
        log_info("token check failed", code=error.code)
        raise Unauthorized() from None
    if not principal.roles:
        return AuthResponse(routes=[], principal_id=principal.user_id)
    return AuthResponse(routes=["*"], principal_id=principal.user_id, context=principal.to_authorizer_context())


@authorizers.authorizer(name="jwt_authorizer", ttl_seconds=300)
def jwt_authorizer(auth_request: Any) -> AuthResponse:
    return authorize(auth_request.token)
