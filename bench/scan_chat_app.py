"""The aws-samples simple-websockets-chat-app as a Chalice app, for the local gateway.

`$connect` stores the connection id, `$disconnect` deletes it, and every message runs the sample's
sendmessage (bench/scan_relay.py): Scan the whole table, post `data` to every connection (the
sender included, as the sample does), all posts in flight together. Two actions added for the
room-aware variant: `joinroom` stores the socket's room, `sendroom` Scans the table filtered by the
message's room and posts to the room's other sockets only (scan_relay.send_to_room). Served by
`LocalStack(app=app, ...)`; its table (key connectionId only) is created by the benchmark with
`scan_relay.create_chat_table` once the stack is up.
"""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalice.app import Chalice, WebsocketDisconnectedError

from bench import scan_relay

app = Chalice(app_name="simplechat-scan", configure_logs=False)
app.experimental_feature_flags.update(["WEBSOCKETS"])

# Promise.all in a Lambda: the posts of one message run together. botocore keeps 10 connections
# per client, so 10 threads is as parallel as its client gets.
POST_CONCURRENCY = 10

_lock = threading.Lock()
_resources: dict[str, Any] = {}


def table_name() -> str:
    return scan_relay.chat_table_name(os.environ.get("TABLE_PREFIX", "dermafollow-local-"))


def _dynamodb() -> Any:
    # Built on first use, after the stack has pointed the environment at its moto.
    with _lock:
        client = _resources.get("dynamodb")
        if client is None:
            import boto3

            client = boto3.session.Session().client("dynamodb", region_name=os.environ.get("AWS_REGION", "eu-west-1"))
            _resources["dynamodb"] = client
        return client


def _posting_pool() -> ThreadPoolExecutor:
    with _lock:
        pool = _resources.get("pool")
        if pool is None:
            pool = ThreadPoolExecutor(max_workers=POST_CONCURRENCY, thread_name_prefix="chat-post")
            _resources["pool"] = pool
        return pool  # type: ignore[no-any-return]


def reset() -> None:
    """Forget clients (a stack restarted in the same process has a new moto endpoint)."""
    with _lock:
        pool = _resources.pop("pool", None)
        _resources.clear()
    if pool is not None:
        pool.shutdown(wait=True)


def _post(connection_id: str, data: str) -> None:
    app.websocket_api.send(connection_id, data)


@app.on_ws_connect()
def connect(event: Any) -> dict[str, Any]:
    scan_relay.on_connect(_dynamodb(), table_name(), event.connection_id)
    return {"statusCode": 200}


@app.on_ws_disconnect()
def disconnect(event: Any) -> None:
    scan_relay.on_disconnect(_dynamodb(), table_name(), event.connection_id)


@app.on_ws_message()
def message(event: Any) -> None:
    action = json.loads(event.body).get("action")
    if action == "joinroom":
        scan_relay.join_room(_dynamodb(), table_name(), event.connection_id, str(json.loads(event.body)["roomId"]))
        app.websocket_api.send(event.connection_id, json.dumps({"type": "joinedroom"}))
        return
    if action == "sendroom":
        scan_relay.send_to_room(_dynamodb(), table_name(), event.connection_id, event.body, _post,
                                (WebsocketDisconnectedError,))
        return
    scan_relay.send_message(_dynamodb(), table_name(), event.connection_id, event.body, _post,
                            (WebsocketDisconnectedError,), _posting_pool())
