"""REST entrypoint plumbing: validation, principal, and domain error -> JSON response.

Chalice turns any non-Chalice exception raised in a view into a bare 500 before middleware can
see it, so every view is wrapped by `endpoint`, which owns the translation.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from functions.shared.auth import Principal, Role
from functions.shared.errors import SERVER_FAULT_MESSAGE, DomainError, UnsupportedMediaType, client_message
from functions.shared.observability import append_keys, log_exception, log_info, start_invocation
from functions.shared.request_context import RequestSource, set_request_source
from functions.shared.validation import (
    EMPTY_OBJECT,
    Schema,
    coerce_query,
    parse_json_object,
    strict_object,
    validate,
)

# Actions without a body (admit, end, ...) accept whatever content type a client library adds to an
# empty POST; `_body` still refuses a non-empty body that is not JSON.
BODYLESS_CONTENT_TYPES = [
    "application/json",
    "application/octet-stream",
    "text/plain",
    "application/x-www-form-urlencoded",
]

JSON_HEADERS = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class Contract:
    """What one endpoint accepts and who may call it (None: public), as its decorator enforces it."""

    roles: frozenset[Role] | None
    path: Schema
    query: Schema
    body: Schema
    # The success answer's body (None: not declared yet); errors all share one shape (ERROR_SCHEMA).
    answer: Schema | None = None


class ViewSource(Protocol):
    """What `endpoint` needs from a Chalice app or Blueprint."""

    @property
    def current_request(self) -> Any: ...


RoleRefusalHook = Callable[[Principal, str, Any], None]
"""Called with (principal, route, the `case_id` path parameter or None) before a 403 for a role the
route does not allow; the composition root passes the one that writes the audit trail."""


AdmissionHook = Callable[[Principal, str], None]
"""Called with (principal, route) once the role is allowed, before the view: raises a DomainError to
refuse (the composition root passes the staff two-step sign-in rule)."""

CaseDisclosureHook = Callable[[Principal, str, dict[str, Any], dict[str, Any]], None]
"""Called with (principal, route, path parameters, body) after a route answered 2xx; the composition
root passes the one that audits a route which touched a case its service did not audit itself."""


@dataclass(frozen=True)
class ApiRequest:
    principal: Principal | None
    body: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    path: dict[str, Any] = field(default_factory=dict)
    request_id: str = ""
    source_ip: str = ""

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise DomainError("No principal on an authenticated route.")
        return self.principal


@dataclass(frozen=True)
class Reply:
    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Any:
    from chalice.app import Response

    return Response(
        body=json.dumps(body, separators=(",", ":")),
        status_code=status,
        headers={**JSON_HEADERS, **(headers or {})},
    )


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


def error_response(error: DomainError) -> Any:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    if error.status == 429 and error.details and "retryAfterSeconds" in error.details:
        headers = {"Retry-After": str(int(error.details["retryAfterSeconds"]))}
    if error.status == 500:
        return json_response(error_body(error.code, client_message(error)), 500, headers)
    return json_response(error_body(error.code, error.message, error.details), error.status, headers)


def endpoint(
    source: ViewSource,
    *,
    on_role_refusal: RoleRefusalHook,
    on_success: CaseDisclosureHook | None = None,
    admit: AdmissionHook | None = None,
    roles: Iterable[Role] | None = None,
    body: Schema | None = None,
    query: Schema | None = None,
    path: Schema | None = None,
    answer: Schema | None = None,
) -> Callable[[Callable[[ApiRequest], Any]], Callable[..., Any]]:
    """Wrap a view: validate path, query and body, resolve the principal, map errors.

    `roles=None` marks a public route (no principal). The view receives one ApiRequest and
    returns a JSON-serialisable body or a Reply (`answer`: that body's JSON Schema on success). Routes
    use `functions.bootstrap.endpoint`, which passes `on_role_refusal` (the refusal audit); this module
    never reaches up for it.
    """
    allowed_roles = frozenset(roles) if roles is not None else None
    body_schema = body if body is not None else EMPTY_OBJECT
    query_schema = query if query is not None else strict_object({})
    path_schema = path if path is not None else {"type": "object"}

    def decorate(view: Callable[[ApiRequest], Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(**path_params: Any) -> Any:
            started = time.perf_counter()
            request = source.current_request
            context = request.context or {}
            request_id = str(context.get("requestId", ""))
            route = f"{request.method} {context.get('resourcePath', '')}"
            source_ip = str((context.get("identity") or {}).get("sourceIp", ""))
            start_invocation(request_id=request_id, route=route)
            set_request_source(RequestSource(request_id, source_ip))
            # The refusal's stable code goes into the request's log line: which dependency a 503 was
            # (audit_unavailable, key_unavailable) is the first question of a 5xx alarm (docs/ops.md).
            code: str | None = None
            try:
                principal = None
                if allowed_roles is not None:
                    principal = Principal.from_authorizer_context(context.get("authorizer"))
                    append_keys(user_id=principal.user_id)
                    if not principal.has_any(allowed_roles):
                        on_role_refusal(principal, route, path_params.get("case_id"))
                    principal.require_any(allowed_roles)
                    if admit is not None:
                        admit(principal, route)
                api_request = ApiRequest(
                    principal=principal,
                    path=validate(path_params, path_schema, where="path"),
                    query=validate(
                        coerce_query(dict(request.query_params or {}), query_schema),
                        query_schema,
                        where="query",
                    ),
                    body=_body(request, body_schema),
                    request_id=request_id,
                    source_ip=source_ip,
                )
                result = view(api_request)
                reply = result if isinstance(result, Reply) else Reply(result)
                if on_success is not None and principal is not None and reply.status < 400:
                    # Inside the try: when the audit entry cannot be written, the caller gets a
                    # 503 instead of data nobody recorded they saw.
                    on_success(principal, route, api_request.path, api_request.body)
                response = json_response(reply.body, reply.status, reply.headers)
            except DomainError as error:
                if error.status == 500:
                    log_exception("server fault", request_id=request_id, route=route)
                response, code = error_response(error), error.code
            except Exception:
                log_exception("unhandled error", request_id=request_id, route=route)
                fault = DomainError(SERVER_FAULT_MESSAGE)
                response, code = error_response(fault), fault.code
            log_info(
                "request",
                request_id=request_id,
                route=route,
                status=response.status_code,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                **({"code": code} if code is not None else {}),
            )
            return response

        # The route table's own record of what a view accepts and who may call it: the OpenAPI
        # document (functions/shared/openapi.py) and the generated tests (every paged route, every
        # route in the document) read it, so a new route cannot escape them.
        wrapper.query_schema = query_schema  # type: ignore[attr-defined]
        wrapper.contract = Contract(allowed_roles, path_schema, query_schema, body_schema, answer)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _body(request: Any, schema: Schema) -> dict[str, Any]:
    if request.method in ("GET", "DELETE", "HEAD") and not request.raw_body:
        return {}
    content_type = (request.headers or {}).get("content-type", "application/json")
    if request.raw_body and "json" not in content_type:
        raise UnsupportedMediaType("Send the body as application/json.")
    return dict(validate(parse_json_object(request.raw_body), schema, where="body"))


# Errors Chalice answers itself (before our views run) use {"Code", "Message"}; clients get one
# error shape, so the middleware below rewrites them.
_CHALICE_ERROR_CODES = {
    "UnsupportedMediaType": "unsupported_media_type",
    "MethodNotAllowedError": "method_not_allowed",
    "BadRequest": "bad_request",
    "BadRequestError": "bad_request",
    "NotFoundError": "not_found",
    "InternalServerError": "internal_error",
}


def uniform_errors(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice 'http' middleware: one error body shape for every 4xx/5xx."""
    response = get_response(event)
    if response.status_code < 400 or not isinstance(response.body, dict | str):
        return response
    body = response.body
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return response
    if isinstance(body, dict) and "Code" in body and "error" not in body:
        code = _CHALICE_ERROR_CODES.get(str(body["Code"]), "request_error")
        response.body = json.dumps(error_body(code, str(body.get("Message", ""))))
        response.headers = {**(response.headers or {}), **JSON_HEADERS}
    return response
