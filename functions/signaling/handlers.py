"""WebSocket entrypoints: parse, validate, dispatch; domain errors become error frames.

`$connect` is authenticated by a single-use ticket in the query string (never a long-lived
token); returning 401 rejects the connection. A bad frame gets an error frame, nothing is relayed,
and the connection stays usable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from functions.bootstrap import get_container
from functions.shared.errors import SERVER_FAULT_MESSAGE, DomainError, client_message
from functions.shared.observability import log_exception, log_info, start_invocation
from functions.shared.request_context import RequestSource, set_request_source
from functions.signaling.messages import Frame, error_frame

if TYPE_CHECKING:
    from chalice.app import WebsocketEvent


def _begin(event: WebsocketEvent) -> None:
    """Log keys and audit source of this invocation: the connection stands for the request."""
    start_invocation(connection_id=event.connection_id)
    identity = (event.to_dict().get("requestContext") or {}).get("identity") or {}
    set_request_source(RequestSource(event.connection_id, str(identity.get("sourceIp", ""))))


def on_connect(event: WebsocketEvent) -> dict[str, Any]:
    container = get_container()
    params = event.to_dict().get("queryStringParameters") or {}
    _begin(event)
    try:
        principal = container.connect_tickets.redeem(params.get("ticket"))
        container.signaling.connect(event.connection_id, principal)
    except DomainError as error:
        log_info("ws connect refused", connection_id=event.connection_id, code=error.code)
        return {"statusCode": error.status if error.status < 500 else 503}
    log_info("ws connected", connection_id=event.connection_id, user_id=principal.user_id)
    return {"statusCode": 200}


def on_disconnect(event: WebsocketEvent) -> None:
    _begin(event)
    try:
        get_container().signaling.disconnect(event.connection_id)
    except DomainError as error:
        log_info("ws disconnect cleanup failed", connection_id=event.connection_id, code=error.code)


def on_message(event: WebsocketEvent) -> None:
    connection_id = event.connection_id
    _begin(event)
    frame = Frame.read(event.body)  # read once: the service validates it, errors quote its ref
    try:
        get_container().signaling.receive(connection_id, frame)
    except DomainError as error:
        if error.status == 500:
            # Its message names internals (a DecryptError: the table and field); the log keeps them.
            log_exception("ws server fault", connection_id=connection_id, code=error.code)
        _send_error(connection_id, error.code, client_message(error), frame.ref)
    except Exception:
        log_exception("ws message failed", connection_id=connection_id)
        _send_error(connection_id, "internal_error", SERVER_FAULT_MESSAGE, frame.ref)


def _send_error(connection_id: str, code: str, message: str, ref: str | None) -> None:
    try:
        get_container().signaling.reply(connection_id, error_frame(code, message, ref=ref))
    except DomainError:
        log_info("ws error frame undeliverable", connection_id=connection_id, code=code)
