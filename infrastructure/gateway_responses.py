"""API Gateway's own refusals in the API's one error shape (docs/api.md: `{"error": {"code", "message"}}`).

Some requests never reach a function: no or a bad token (the authorizer's 401), a deny, a throttle,
an unknown path. API Gateway answers those itself, by default as `{"message": "Unauthorized"}`; the
app and every client read `error.code`, so each such answer is rewritten here (a GatewayResponse per
type). The local stack's gateway (local/rest_gateway.py) answers from the same table.
"""

from __future__ import annotations

import json
from typing import Any

from infrastructure.cfn import ref
from infrastructure.naming import CHALICE_REST_API

# Response type -> (status, or None to keep API Gateway's, stable code, message). The codes are
# worded in both languages in the web app (common namespace, errors).
GATEWAY_ERRORS: dict[str, tuple[int | None, str, str]] = {
    "UNAUTHORIZED": (401, "not_signed_in", "Please sign in again: the access token is missing, expired or not valid."),
    "ACCESS_DENIED": (403, "access_denied", "This request is not allowed."),
    "THROTTLED": (429, "rate_limited", "Too many requests; please wait a moment and try again."),
    "DEFAULT_4XX": (None, "request_refused", "The request was refused."),
    "DEFAULT_5XX": (None, "internal_error", "Something went wrong on our side; please try again later."),
}

HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def gateway_body(response_type: str) -> str:
    _, code, message = GATEWAY_ERRORS[response_type]
    return json.dumps({"error": {"code": code, "message": message}}, separators=(",", ":"))


def gateway_response_resources() -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for response_type, (status, _, _) in GATEWAY_ERRORS.items():
        properties: dict[str, Any] = {
            "RestApiId": ref(CHALICE_REST_API),
            "ResponseType": response_type,
            "ResponseTemplates": {"application/json": gateway_body(response_type)},
            "ResponseParameters": {f"gatewayresponse.header.{name}": f"'{value}'" for name, value in HEADERS.items()},
        }
        if status is not None:
            properties["StatusCode"] = str(status)
        logical_id = "GatewayResponse" + "".join(part.title() for part in response_type.split("_"))
        resources[logical_id] = {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": properties}
    return resources
