"""API Gateway REST emulation over Chalice's LocalGateway, with API Gateway's authorizer rules.

Chalice's LocalGateway already routes, builds proxy events and runs custom authorizers; what it
lacks is API Gateway's answer to an authorizer that fails with "Unauthorized": a 401, in the error
shape the template's gateway responses give it (infrastructure/gateway_responses.py). Both the
local stack and the functional tests use this class, so they see what clients see in AWS.
"""

from __future__ import annotations

import threading
from typing import Any

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import ForbiddenError, LocalGateway, LocalGatewayException, NotAuthorizedError

from infrastructure.gateway_responses import HEADERS, gateway_body

# API Gateway's answer as the deployed stack words it (its GatewayResponse), not its default.
UNAUTHORIZED_BODY = gateway_body("UNAUTHORIZED").encode()


class RestGateway(LocalGateway):
    def __init__(self, app: Chalice, stage: str = "local") -> None:
        one_request_per_thread(app)
        super().__init__(app, Config(chalice_stage=stage))

    def handle_request(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        try:
            return super().handle_request(method, path, headers, body)
        except LocalGatewayException as refused:
            # Chalice words these as API Gateway's defaults; the deployed stack's gateway responses
            # give them the API's error shape, so the local one does too.
            raise type(refused)({**refused.headers, "Content-Type": "application/json", **HEADERS},
                                gateway_body(_response_type(refused)).encode()) from None
        except Exception as exc:
            if str(exc) == "Unauthorized":
                raise NotAuthorizedError(
                    {"x-amzn-ErrorType": "UnauthorizedException", "Content-Type": "application/json", **HEADERS},
                    UNAUTHORIZED_BODY,
                ) from None
            raise

    def respond(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body exactly as API Gateway would send them."""
        try:
            response = self.handle_request(method, path, headers, body)
        except LocalGatewayException as exc:
            return exc.CODE, {k: str(v) for k, v in exc.headers.items()}, exc.body or b""
        raw = response.get("body") or b""
        if response.get("isBase64Encoded"):
            import base64

            raw = base64.b64decode(raw)
        elif isinstance(raw, str):
            raw = raw.encode()
        headers_out = {k: str(v) for k, v in (response.get("headers") or {}).items()}
        for key, values in (response.get("multiValueHeaders") or {}).items():
            headers_out[key] = ",".join(str(v) for v in values)
        return int(response["statusCode"]), headers_out, raw


def one_request_per_thread(app: Chalice) -> None:
    """Gives each thread its own `app.current_request` (and Lambda context).

    Lambda runs one request at a time per container, and Chalice keeps the request on the app object;
    the local stack runs requests side by side in a thread pool, where one request's view could read
    another's body, query or authorizer context (another person's identity). Here each thread keeps
    its own, as each container does."""
    if getattr(type(app), "_per_thread", None) is not None:
        return
    state = threading.local()

    def attribute(name: str) -> property:
        return property(lambda _self: getattr(state, name, None),
                        lambda _self, value: setattr(state, name, value))

    app.__class__ = type(f"PerThread{type(app).__name__}", (type(app),), {
        "_per_thread": state, "current_request": attribute("current_request"),
        "lambda_context": attribute("lambda_context"),
    })


def _response_type(refused: LocalGatewayException) -> str:
    if isinstance(refused, NotAuthorizedError):
        return "UNAUTHORIZED"
    if isinstance(refused, ForbiddenError) and b"Missing Authentication Token" not in (refused.body or b""):
        return "ACCESS_DENIED"  # the authorizer's policy denies this route
    return "DEFAULT_5XX" if refused.CODE >= 500 else "DEFAULT_4XX"
