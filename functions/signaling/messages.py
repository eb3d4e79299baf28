"""The signaling envelope: every incoming frame is `{"action": ..., ...}`; see docs/signaling.md."""

from __future__ import annotations

from typing import Any

from functions.shared.validation import Schema, strict_object

# API Gateway's frame limit is 32 KB; stay well below so an error frame always fits.
MAX_FRAME_BYTES = 30 * 1024

ENVELOPE: Schema = {
    "type": "object",
    "properties": {"action": {"type": "string", "pattern": "^[a-z][a-zA-Z]{0,31}$"}},
    "required": ["action"],
}

ACTION_SCHEMAS: dict[str, Schema] = {
    "ping": strict_object({"action": {"const": "ping"}, "ts": {"type": "number"}}, ["action"]),
}


def error_frame(code: str, message: str, *, ref: str | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if ref:
        frame["ref"] = ref
    return frame
