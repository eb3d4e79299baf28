"""The REST API as an OpenAPI 3.1 document, generated from the route table itself.

Every route is wrapped by `endpoint`, which records the schemas it validates and the roles it admits
(`Contract`); this module only reads that record, so the document cannot drift from what the API
enforces. Request schemas are the validators' own JSON Schemas (OpenAPI 3.1 speaks JSON Schema).
Success answers are the schemas the routes declare (`endpoint(..., answer=...)`); a titled schema,
wherever it sits, becomes a named component (`#/components/schemas/<title>`), which is what the web
app's types are generated from (web/src/api/schema.gen.ts). Every refusal has the Error shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from functions.shared.http import Contract
from functions.shared.validation import Schema

ERROR_SCHEMA: Schema = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                # What a client can act on (retryAfterSeconds, currentVersion, ...); by code.
                "details": {"type": "object", "additionalProperties": True},
            },
            "additionalProperties": False,
        }
    },
    "additionalProperties": False,
}

_WITH_BODY = {"POST", "PUT", "PATCH"}
_PARAMETER = re.compile(r"{(\w+)}")


def contract_of(view: Any) -> Contract | None:
    found = getattr(view, "contract", None)
    return found if isinstance(found, Contract) else None


def document(routes: Mapping[str, Mapping[str, Any]], *, title: str, version: str,
             server: str = "/api") -> dict[str, Any]:
    """`routes`: Chalice's `app.routes` ({path: {method: RouteEntry}})."""
    paths: dict[str, Any] = {}
    named: dict[str, Schema] = {"Error": ERROR_SCHEMA}
    for path in sorted(routes):
        operations: dict[str, Any] = {}
        for method in sorted(routes[path]):
            entry = routes[path][method]
            contract = contract_of(entry.view_function)
            if contract is None:
                raise ValueError(f"{method} {path} is not wrapped by endpoint: it has no contract")
            operations[method.lower()] = _operation(path, method, entry, contract, named)
        paths[path] = operations
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(named.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "responses": {"Error": {
                "description": "Refused, with a stable code",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }},
        },
    }


def _operation(path: str, method: str, entry: Any, contract: Contract, named: dict[str, Schema]) -> dict[str, Any]:
    capability = _capability(entry.view_function)
    operation: dict[str, Any] = {
        # Views of two capabilities may share a name (identity's and admin's `health`).
        "operationId": f"{capability}.{entry.view_name}",
        "tags": [capability],
        "parameters": [*_path_parameters(path, contract.path), *_query_parameters(contract.query)],
        "responses": {
            "2XX": {"description": "Done", "content": {"application/json": {
                "schema": {} if contract.answer is None else hoisted(contract.answer, named),
            }}},
            "4XX": {"$ref": "#/components/responses/Error"},
            "5XX": {"$ref": "#/components/responses/Error"},
        },
    }
    if contract.roles is None:
        operation["security"] = []
    else:
        operation["security"] = [{"bearer": []}]
        operation["x-roles"] = sorted(role.value for role in contract.roles)
    if method in _WITH_BODY:
        operation["requestBody"] = {
            "required": bool(contract.body.get("required")),
            "content": {"application/json": {"schema": contract.body}},
        }
    return operation


def hoisted(schema: Any, named: dict[str, Schema]) -> Any:
    """`schema` with every titled subschema moved into `named` (by title) and referenced from there."""
    if isinstance(schema, list):
        return [hoisted(item, named) for item in schema]
    if not isinstance(schema, dict):
        return schema
    inner = {key: hoisted(value, named) for key, value in schema.items()}
    title = schema.get("title")
    if not isinstance(title, str):
        return inner
    known = named.setdefault(title, inner)
    if known != inner:  # two different answers under one name: the generated types would lie for one
        raise ValueError(f"two different schemas are titled {title!r}")
    return {"$ref": f"#/components/schemas/{title}"}


def _path_parameters(path: str, schema: Schema) -> list[dict[str, Any]]:
    properties = schema.get("properties", {})
    return [{"name": name, "in": "path", "required": True, "schema": properties.get(name, {"type": "string"})}
            for name in _PARAMETER.findall(path)]


def _query_parameters(schema: Schema) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": value}
            for name, value in schema.get("properties", {}).items()]


def _capability(view: Any) -> str:
    # functions.<capability>.routes -> <capability>: the document's sections are the house's folders.
    parts = str(getattr(view, "__module__", "")).split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "functions" else "app"
