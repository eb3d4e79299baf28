"""Every answer the functional tests receive, checked against the schema its route declares.

`World.request` hands each answer here: a 2xx body must match the route's `answer` schema (the one
the OpenAPI document lists, and the web app's types are generated from), and a 4xx/5xx body the one
Error shape. A route that declares no answer schema yet is listed in `UNDECLARED` by
tests/functional/test_openapi.py, which fails when the list and the route table disagree.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import fastjsonschema

from functions.shared.openapi import ERROR_SCHEMA, contract_of


@cache
def _routes() -> list[tuple[str, re.Pattern[str], Any]]:
    from app import app

    table: list[tuple[int, str, re.Pattern[str], Any]] = []
    for path, methods in app.routes.items():
        pattern = re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)) + "$")
        for method, entry in methods.items():
            table.append((path.count("{"), method, pattern, contract_of(entry.view_function)))
    # /visits/queue before /visits/{room_id}: the route with fewer parameters is the one Chalice picks.
    return [(method, pattern, contract) for _, method, pattern, contract in sorted(table, key=lambda row: row[0])]


@cache
def _validator(schema_json: str) -> Any:
    return fastjsonschema.compile(json.loads(schema_json))


def declared_answer(method: str, path: str) -> tuple[bool, dict[str, Any] | None]:
    """(whether a route serves method+path, its answer schema or None)."""
    bare = path.split("?", 1)[0]
    for routed_method, pattern, contract in _routes():
        if routed_method == method and pattern.match(bare):
            return True, None if contract is None else contract.answer
    return False, None


def check_answer(method: str, path: str, response: Any) -> None:
    """Raise AssertionError when the answer does not match what its route declares."""
    content_type = str((response.headers or {}).get("Content-Type", (response.headers or {}).get("content-type", "")))
    if "json" not in content_type or not response.body:
        return
    routed, answer = declared_answer(method, path)
    if not routed:
        return
    schema = ERROR_SCHEMA if response.status_code >= 400 else answer
    if schema is None:
        return
    body = json.loads(response.body)
    try:
        _validator(json.dumps(schema, sort_keys=True))(body)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise AssertionError(
            f"{method} {path} answered {response.status_code} with a body its declared schema refuses: "
            f"{exc.message} (at {exc.name}); body: {json.dumps(body)[:600]}"
        ) from None
