"""The signaling envelope and per-action schemas (functions/signaling/protocol.json, shared with web/)."""

from __future__ import annotations

import json
from dataclasses import dataclass
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


def max_participants() -> int:
    """The room cap (the patient plus up to 3 doctors, full mesh): protocol.json is its one source,
    read by the server here and by the web client from the same file."""
    return int(protocol()["maxParticipants"])


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


@dataclass(frozen=True)
class Frame:
    """One incoming frame, read once: its JSON value, or the error that made it unreadable.

    The `$default` handler reads a frame once and hands it on: the service validates it (and charges
    the rate budget even when it is unreadable), the handler takes `ref` from it for an error frame.
    """

    data: Any = None
    unreadable: ValidationError | None = None

    @classmethod
    def read(cls, raw: str | bytes | None) -> Frame:
        data = raw or ""
        if len(data.encode() if isinstance(data, str) else data) > MAX_FRAME_BYTES:
            return cls(unreadable=ValidationError("Frame is too large.", code="frame_too_large"))
        try:
            return cls(json.loads(data))
        except ValueError:
            return cls(unreadable=ValidationError("Frame is not valid JSON.", code="malformed_json"))
        except RecursionError:  # ~1,000 levels of nesting exhaust the decoder: unreadable, budget still spent
            return cls(unreadable=ValidationError("Frame is nested too deeply.", code="malformed_json"))

    @property
    def ref(self) -> str | None:
        """The client's correlation id, if the frame is an object carrying a string one."""
        ref = self.data.get("ref") if isinstance(self.data, dict) else None
        return ref if isinstance(ref, str) else None

    def validated(self) -> tuple[str, dict[str, Any]]:
        """Validate against the envelope and the action's schema; return (action, message)."""
        if self.unreadable is not None:
            raise self.unreadable
        message = self.data
        validate(message, ENVELOPE, where="frame")
        action = str(message["action"])
        schema = action_schema(action)
        if schema is None:
            raise ValidationError(f"Unknown action '{action}'.", code="unknown_action")
        validate(message, schema, where="frame")
        return action, message
