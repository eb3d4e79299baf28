"""JSON Schema validation with compiled validators (fastjsonschema generates Python code once).

Every schema is strict: objects reject unknown properties unless they say otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from functions.shared.errors import PayloadTooLarge, ValidationError

Schema = dict[str, Any]
MAX_BODY_BYTES = 64 * 1024
_INTEGER = re.compile("-?[0-9]{1,9}")

_compiled: dict[str, Callable[[Any], Any]] = {}


def _validator(schema: Schema) -> Callable[[Any], Any]:
    key = json.dumps(schema, sort_keys=True)
    validator = _compiled.get(key)
    if validator is None:
        import fastjsonschema

        validator = fastjsonschema.compile(schema)
        _compiled[key] = validator
    return validator


def validate(instance: Any, schema: Schema, *, where: str) -> Any:
    """Validate `instance`; raise ValidationError naming the offending field (never its value)."""
    from fastjsonschema import JsonSchemaValueException

    try:
        return _validator(schema)(instance)
    except JsonSchemaValueException as exc:
        field = exc.name.replace("data", where, 1) if exc.name else where
        rule = exc.rule or "schema"
        raise ValidationError(f"{field} is invalid ({rule}).", code="validation_error") from None


def parse_json_object(raw: bytes | str | None, *, max_bytes: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """Parse a request body that must be a JSON object. Empty means {}."""
    if raw is None or raw in (b"", ""):
        return {}
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"Body is larger than {max_bytes} bytes.")
    try:
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("Body is not valid JSON.", code="malformed_json") from None
    except RecursionError:  # ~1,000 levels of nesting exhaust the decoder's stack: no request needs that
        raise ValidationError("Body is nested too deeply.", code="malformed_json") from None
    if not isinstance(parsed, dict):
        raise ValidationError("Body must be a JSON object.", code="validation_error")
    return parsed


def coerce_query(params: dict[str, str], schema: Schema) -> dict[str, Any]:
    """Query strings arrive as text; turn declared integers into ints before validation."""
    props = schema.get("properties", {})
    out: dict[str, Any] = {}
    for name, value in params.items():
        # ASCII digits only: str.isdigit() also accepts superscripts, which int() then refuses (a 500).
        if props.get(name, {}).get("type") == "integer" and _INTEGER.fullmatch(value):
            out[name] = int(value)
        else:
            out[name] = value
    return out


def strict_object(properties: dict[str, Schema], required: list[str] | None = None) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


ID_PATTERN = "^[A-Za-z0-9_-]{8,64}$"
ID_SCHEMA: Schema = {"type": "string", "pattern": ID_PATTERN}
CURSOR_SCHEMA: Schema = {"type": "string", "maxLength": 1024, "pattern": "^[A-Za-z0-9_=-]+$"}
LIMIT_SCHEMA: Schema = {"type": "integer", "minimum": 1, "maximum": 100}
EMPTY_OBJECT: Schema = strict_object({})


def id_path(*names: str) -> Schema:
    """The path schema of a route whose parameters are all ids (`/cases/{case_id}/...`)."""
    return strict_object(dict.fromkeys(names, ID_SCHEMA), list(names))


# The schemas many routes share: one case's routes, and one page of a list.
CASE_PATH: Schema = id_path("case_id")
PAGE_QUERY: Schema = strict_object({"limit": LIMIT_SCHEMA, "cursor": CURSOR_SCHEMA})


# --- Answer schemas ---------------------------------------------------------------------------------
# What a route answers on success, declared next to the route (`endpoint(..., answer=...)`): the
# OpenAPI document lists it (a titled schema becomes a named component, which the web app's types are
# generated from) and the functional tests validate every real answer against it.

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}
ANY_OBJECT: Schema = {"type": "object", "additionalProperties": True}  # any fields (typed as such in the web app)


def answer_object(title: str | None, properties: dict[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    """An answer object: every property present unless named in `optional`, and nothing else."""
    unknown = set(optional) - set(properties)
    if unknown:
        raise ValueError(f"optional names no property: {sorted(unknown)}")
    schema = strict_object(properties, [name for name in properties if name not in optional])
    if title:
        schema = {"title": title, **schema}
    return schema


def nullable(schema: Schema) -> Schema:
    """The schema, or JSON null."""
    kind = schema.get("type")
    if isinstance(kind, str) and set(schema) <= {"type", "format", "pattern", "minimum", "maximum", "enum"}:
        widened = {**schema, "type": [kind, "null"]}
        if "enum" in schema:
            widened["enum"] = [*schema["enum"], None]
        return widened
    return {"anyOf": [schema, {"type": "null"}]}


def array_of(item: Schema) -> Schema:
    return {"type": "array", "items": item}


def page_of(title: str, item: Schema) -> Schema:
    """One page of a list: its items and the cursor of the next page (null on the last)."""
    return answer_object(title, {"items": array_of(item), "nextCursor": nullable(STRING)})
