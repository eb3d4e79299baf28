"""API Gateway WebSocket emulation: sockets in, Lambda-style events out, @connections back in.

On upgrade the `$connect` handler decides (a non-2xx answer refuses the upgrade with that status);
each frame becomes a `$default` event and closing a `$disconnect` event. Handlers run in worker
threads, one queue per connection so a connection's events keep their order (API Gateway itself
promises no order: `concurrent_events` > 1 lets that many of one connection's frames run at once,
to test handlers against it). Handlers talk back
through the management API (`POST/GET/DELETE {MANAGEMENT_PATH}/@connections/{id}`), which is
served here too and answers 410 GoneException for unknown ids, as API Gateway does.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import json
import logging
import secrets
import time
import uuid
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web
from chalice.app import Chalice

from local.invoke import LambdaHandler, invoke, lambda_handler

log = logging.getLogger("local")

API_ID = "local"
STAGE = "api"
WS_PATH = "/ws"
MANAGEMENT_PATH = "/_apigw"

# API Gateway's published limits. Browsers send each message as one frame, so a message limit of
# one frame is what a browser meets in AWS; bigger frames close the socket with 1009.
FRAME_LIMIT_BYTES = 32 * 1024
POST_LIMIT_BYTES = 128 * 1024
IDLE_TIMEOUT_SECONDS = 10 * 60
MAX_CONNECTION_SECONDS = 2 * 60 * 60

_REFUSALS = {401: "Unauthorized", 403: "Forbidden", 500: "Internal server error"}


def new_connection_id() -> str:
    # Same shape as API Gateway's ids ("L0SM9cOFvHcCIhw="), in the URL-safe alphabet so an id never
    # holds a '/' that would split the management API path.
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode()


def is_local_caller(request: web.Request) -> bool:
    try:
        return request.remote is not None and ipaddress.ip_address(request.remote).is_loopback
    except ValueError:
        return False


def gone() -> web.Response:
    # botocore reads the error code from this header: post_to_connection raises GoneException.
    return web.json_response({"message": "Gone"}, status=410, headers={"x-amzn-ErrorType": "GoneException"})


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Connection:
    connection_id: str
    socket: web.WebSocketResponse
    domain: str
    source_ip: str
    user_agent: str
    headers: dict[str, str]
    connected_at: float  # epoch seconds, for events
    last_active: float  # epoch seconds, for GetConnection
    idle_deadline: float  # monotonic
    max_deadline: float  # monotonic
    inbox: asyncio.Queue[dict[str, Any] | None] = field(default_factory=asyncio.Queue)
    done: asyncio.Event = field(default_factory=asyncio.Event)


class WebSocketGateway:
    def __init__(self, app: Chalice, executor: Executor, *, stage: str = "local",
                 idle_timeout: float = IDLE_TIMEOUT_SECONDS, max_age: float = MAX_CONNECTION_SECONDS) -> None:
        self._handlers: dict[str, LambdaHandler] = {}
        self._function_names: dict[str, str] = {}
        for route, config in app.websocket_handlers.items():
            self._handlers[route] = lambda_handler(app, config.name)
            self._function_names[route] = f"{app.app_name}-{stage}-{config.name}"
        self._executor = executor
        # Public so tests can shorten them; they apply to connections opened afterwards.
        self.idle_timeout = idle_timeout
        self.max_age = max_age
        # How many `$default` events of ONE connection may run at once (1: one after another). Read
        # when a connection opens; `$disconnect` still waits for that connection's frames in flight.
        self.concurrent_events = 1
        self.connections: dict[str, Connection] = {}
        self._background: set[asyncio.Task[Any]] = set()

    @property
    def enabled(self) -> bool:
        return bool(self._handlers)

    def routes(self) -> list[web.RouteDef]:
        connection = MANAGEMENT_PATH + "/@connections/{connection_id}"
        return [
            web.get(WS_PATH, self.handle_socket),
            web.post(connection, self.post_to_connection),
            web.get(connection, self.get_connection),
            web.delete(connection, self.delete_connection),
        ]

    # --- the client side ------------------------------------------------------------------------
    async def handle_socket(self, request: web.Request) -> web.StreamResponse:
        if not self.enabled:
            raise web.HTTPNotFound()
        socket = web.WebSocketResponse(max_msg_size=FRAME_LIMIT_BYTES + 1)  # aiohttp refuses size >= limit
        if not socket.can_prepare(request).ok:
            return web.json_response({"message": "Expected a WebSocket upgrade"}, status=426)
        now, mono = time.time(), time.monotonic()
        headers = dict(request.headers.items())  # single-value view: the last value wins, as in API Gateway
        connection = Connection(
            connection_id=new_connection_id(),
            socket=socket,
            domain=request.host,
            source_ip=request.remote or "",
            user_agent=request.headers.get("User-Agent", ""),
            headers=headers,
            connected_at=now,
            last_active=now,
            idle_deadline=mono + self.idle_timeout,
            max_deadline=mono + self.max_age,
        )
        query = {key: request.query.getall(key) for key in request.query}
        connect_event = {
            "headers": headers,
            "multiValueHeaders": {key: request.headers.getall(key) for key in request.headers},
            "requestContext": self._context(connection, "$connect", "CONNECT"),
            "isBase64Encoded": False,
        }
        if query:
            connect_event["queryStringParameters"] = {key: values[-1] for key, values in query.items()}
            connect_event["multiValueQueryStringParameters"] = query
        status = await self._connect(connect_event)
        if not 200 <= status < 300:
            return web.json_response({"message": _REFUSALS.get(status, "Connection refused")}, status=status)
        worker = asyncio.create_task(self._drain(connection))
        close_code: int = WSCloseCode.ABNORMAL_CLOSURE
        reason = "Connection lost"
        try:
            await socket.prepare(request)
            # Registered only once established: until then @connections answers Gone, as in AWS.
            self.connections[connection.connection_id] = connection
            close_code, reason = await self._receive(connection)
        finally:
            # From here on the management API answers Gone for this id, as API Gateway does.
            self.connections.pop(connection.connection_id, None)
            disconnect = {
                "headers": headers,
                "multiValueHeaders": connect_event["multiValueHeaders"],
                "requestContext": {
                    **self._context(connection, "$disconnect", "DISCONNECT"),
                    "disconnectStatusCode": close_code,
                    "disconnectReason": reason,
                },
                "isBase64Encoded": False,
            }
            connection.inbox.put_nowait(disconnect)
            connection.inbox.put_nowait(None)
            with contextlib.suppress(Exception):
                await worker
            connection.done.set()
        return socket

    async def _connect(self, event: dict[str, Any]) -> int:
        handler = self._handlers.get("$connect")
        if handler is None:
            return 200
        loop = asyncio.get_running_loop()
        try:
            answer = await loop.run_in_executor(
                self._executor, invoke, handler, event, self._function_names["$connect"]
            )
        except Exception:
            log.exception("the $connect handler failed")
            return 500
        try:
            return int((answer or {}).get("statusCode", 200))
        except (TypeError, ValueError, AttributeError):
            return 500

    async def _receive(self, connection: Connection) -> tuple[int, str]:
        """Read frames until the socket closes or a timeout hits; returns (close code, reason)."""
        socket = connection.socket
        while True:
            mono = time.monotonic()
            if mono >= connection.max_deadline or mono >= connection.idle_deadline:
                await socket.close(code=WSCloseCode.GOING_AWAY, message=b"Going away")
                return WSCloseCode.GOING_AWAY, "Going away"
            try:
                message = await socket.receive(timeout=min(connection.max_deadline, connection.idle_deadline) - mono)
            except TimeoutError:
                continue
            if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                self._touch(connection)
                binary = message.type == WSMsgType.BINARY
                body = base64.b64encode(message.data).decode() if binary else message.data
                connection.inbox.put_nowait(
                    {
                        "requestContext": {**self._context(connection, "$default", "MESSAGE"),
                                           "messageId": secrets.token_urlsafe(9)},
                        "body": body,
                        "isBase64Encoded": binary,
                    }
                )
                continue
            if message.type == WSMsgType.ERROR:
                # aiohttp has already closed the socket: 1009 for a frame over the limit.
                if "exceeds limit" in str(socket.exception()):
                    return WSCloseCode.MESSAGE_TOO_BIG, "Message too big"
                return WSCloseCode.PROTOCOL_ERROR, "Protocol error"
            # CLOSE / CLOSING / CLOSED
            return socket.close_code or WSCloseCode.OK, "Client closed the connection"

    async def _drain(self, connection: Connection) -> None:
        """Run this connection's events in worker threads: one after another, or up to
        `concurrent_events` frames at once."""
        concurrency = max(1, self.concurrent_events)
        slots = asyncio.Semaphore(concurrency)
        in_flight: set[asyncio.Task[None]] = set()
        while (event := await connection.inbox.get()) is not None:
            route = event["requestContext"]["routeKey"]
            handler = self._handlers.get(route)
            if handler is None:
                continue
            if route != "$default" and in_flight:
                await asyncio.gather(*in_flight)
            await slots.acquire()
            task = asyncio.create_task(self._invoke(connection, route, handler, event, slots))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            if concurrency == 1 or route != "$default":
                await task
        if in_flight:
            await asyncio.gather(*in_flight)

    async def _invoke(self, connection: Connection, route: str, handler: LambdaHandler, event: dict[str, Any],
                      slots: asyncio.Semaphore) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, invoke, handler, event, self._function_names[route])
        except Exception:
            log.exception("the %s handler failed", route)
            if route == "$default" and not connection.socket.closed:
                # What API Gateway sends the client when the integration fails.
                error = {"message": "Internal server error", "connectionId": connection.connection_id,
                         "requestId": event["requestContext"]["requestId"]}
                with contextlib.suppress(Exception):
                    await connection.socket.send_str(json.dumps(error))
        finally:
            slots.release()

    def _context(self, connection: Connection, route: str, event_type: str) -> dict[str, Any]:
        now = time.time()
        return {
            "routeKey": route,
            "eventType": event_type,
            "messageDirection": "IN",
            "extendedRequestId": secrets.token_urlsafe(12),
            "requestId": str(uuid.uuid4()),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "connectedAt": int(connection.connected_at * 1000),
            "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
            "stage": STAGE,
            "domainName": connection.domain,
            "connectionId": connection.connection_id,
            "apiId": API_ID,
        }

    def _touch(self, connection: Connection) -> None:
        # Activity in either direction keeps a connection from the idle timeout.
        connection.last_active = time.time()
        connection.idle_deadline = time.monotonic() + self.idle_timeout

    # --- the management API (@connections) ------------------------------------------------------
    def _target(self, request: web.Request) -> Connection | None:
        if not is_local_caller(request):
            raise web.HTTPForbidden(text='{"message": "Forbidden"}', content_type="application/json")
        connection = self.connections.get(request.match_info["connection_id"])
        if connection is None or connection.socket.closed:
            return None
        return connection

    async def post_to_connection(self, request: web.Request) -> web.StreamResponse:
        connection = self._target(request)
        if connection is None:
            return gone()
        data = await request.read()
        if len(data) > POST_LIMIT_BYTES:
            return web.json_response({"message": "Message too long"}, status=413,
                                     headers={"x-amzn-ErrorType": "PayloadTooLargeException"})
        try:
            try:
                text = data.decode()
            except UnicodeDecodeError:
                await connection.socket.send_bytes(data)
            else:
                await connection.socket.send_str(text)
        except (ConnectionError, RuntimeError):
            return gone()
        self._touch(connection)
        return web.Response(status=200)

    async def get_connection(self, request: web.Request) -> web.StreamResponse:
        connection = self._target(request)
        if connection is None:
            return gone()
        # botocore only reads lowerCamel names; anything else parses as an empty answer.
        return web.json_response(
            {
                "connectedAt": _iso(connection.connected_at),
                "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
                "lastActiveAt": _iso(connection.last_active),
            }
        )

    async def delete_connection(self, request: web.Request) -> web.StreamResponse:
        connection = self._target(request)
        if connection is None:
            return gone()
        # Close in the background: the caller may be this connection's own handler.
        task = asyncio.create_task(connection.socket.close(code=WSCloseCode.OK, message=b"Closed by the server"))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return web.Response(status=204)

    async def close_all(self, timeout: float = 15.0) -> None:
        """Shutdown: close every socket (1001) and wait for the $disconnect handlers."""
        connections = list(self.connections.values())
        for connection in connections:
            with contextlib.suppress(Exception):
                await connection.socket.close(code=WSCloseCode.GOING_AWAY, message=b"Server shutting down")
        if connections:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.gather(*(c.done.wait() for c in connections)), timeout)
