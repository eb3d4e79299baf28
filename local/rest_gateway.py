"""API Gateway REST emulation over Chalice's LocalGateway, with API Gateway's authorizer rules.

Chalice's LocalGateway already routes, builds proxy events and runs custom authorizers; what it
lacks is API Gateway's answer to an authorizer that fails with "Unauthorized": a 401. Both the
local stack and the functional tests use this class, so they see what clients see in AWS.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import LocalGateway, LocalGatewayException, NotAuthorizedError

UNAUTHORIZED_BODY = b'{"message":"Unauthorized"}'


class RestGateway(LocalGateway):
    def __init__(self, app: Chalice, stage: str = "local") -> None:
        super().__init__(app, Config(chalice_stage=stage))

    def handle_request(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        try:
            return super().handle_request(method, path, headers, body)
        except LocalGatewayException:
            raise
        except Exception as exc:
            if str(exc) == "Unauthorized":
                raise NotAuthorizedError(
                    {"x-amzn-ErrorType": "UnauthorizedException", "Content-Type": "application/json"},
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
