"""Calling the app's Lambda handlers the way Lambda does: (event, context) in a worker thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Chalice
from chalice.local import LambdaContext

LambdaHandler = Callable[[dict[str, Any], Any], Any]

# Lambda's memory and timeout as configured in AWS; the context reports them, nothing enforces them.
MEMORY_MB = 512
TIMEOUT_MS = 29_000


def lambda_handler(app: Chalice, name: str) -> LambdaHandler:
    """The wrapped handler Lambda would call for a decorated function.

    `app.handler_map[name]` is what Chalice's generated entry points call: an EventSourceHandler
    (or WebsocketEventSourceHandler) that builds the typed event and runs middleware. The config
    objects in `app.event_sources` / `app.websocket_handlers` only hold the undecorated function.
    """
    handler: LambdaHandler = app.handler_map[name]
    return handler


def invoke(handler: LambdaHandler, event: dict[str, Any], function_name: str) -> Any:
    context = LambdaContext(function_name, MEMORY_MB, max_runtime_ms=TIMEOUT_MS)
    return handler(event, context)
