"""API Gateway WebSocket event fixtures (shapes as API Gateway sends them)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

_HERE = Path(__file__).parent


def ws_event(kind: str, *, connection_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    """Load `ws_<kind>.json` and apply overrides (body, ticket)."""
    event: dict[str, Any] = copy.deepcopy(json.loads((_HERE / f"ws_{kind}.json").read_text()))
    if connection_id:
        event["requestContext"]["connectionId"] = connection_id
    if "ticket" in overrides:
        ticket = overrides.pop("ticket")
        if ticket is None:
            event.pop("queryStringParameters", None)
            event.pop("multiValueQueryStringParameters", None)
        else:
            event["queryStringParameters"] = {"ticket": ticket}
            event["multiValueQueryStringParameters"] = {"ticket": [ticket]}
    if "body" in overrides:
        body = overrides.pop("body")
        event["body"] = body if isinstance(body, str) else json.dumps(body)
    event.update(overrides)
    return event
