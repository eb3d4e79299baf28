"""The signaling envelope and per-action schemas (functions/signaling/protocol.json, shared with web/)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from functions.shared.errors import ValidationError
from functions.shared.validation import Schema, validate

PROTOCOL_FILE = Path(__file__).with_name("protocol.json")

# API Gateway's frame limit is 32 KB; stay below it so a relayed frame (plus `from`) still fits.
MAX_FRAME_BYTES = 30 * 1024

ENVELOPE: Schema = {
    "type": "object",
    "properties": {"action": {"type": "string", "pattern": "^[a-z][a-zA-Z]{0,31}$"}},
    "required": ["action"],
}

RELAYED_ACTIONS = frozenset({"offer", "answer", "ice", "iceRestart"})


@lru_cache(maxsize=1)
def protocol() -> dict[str, Any]:
    return dict(json.loads(PROTOCOL_FILE.read_text()))


def action_schema(action: str) -> Schema | None:
    document = protocol()
    schema = document["actions"].get(action)
    if schema is None:
        return None
    # Each action schema is validated standalone, so it carries the shared definitions.
    return {**schema, "definitions": document["definitions"]}


def error_frame(code: str, message: str, *, ref: str | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if ref:
        frame["ref"] = ref
    return frame


def parse_frame(raw: str | bytes | None) -> tuple[str, dict[str, Any]]:
    """Validate a frame against the envelope and its action's schema; return (action, message)."""
    data = raw or ""
    if len(data.encode() if isinstance(data, str) else data) > MAX_FRAME_BYTES:
        raise ValidationError("Frame is too large.", code="frame_too_large")
    try:
        message = json.loads(data)
    except ValueError:
        raise ValidationError("Frame is not valid JSON.", code="malformed_json") from None
    validate(message, ENVELOPE, where="frame")
    action = str(message["action"])
    schema = action_schema(action)
    if schema is None:
        raise ValidationError(f"Unknown action '{action}'.", code="unknown_action")
    validate(message, schema, where="frame")
    return action, message
