"""Baseline: the relay of the aws-samples simple-websockets-chat-app, reimplemented faithfully.

Its table has one key, `connectionId`, and nothing else ($connect stores the id, $disconnect
deletes it). Its `sendmessage` handler, per message:

1. Scans the WHOLE connections table (ProjectionExpression connectionId), ONE call, no
   pagination: past one 1 MB page the rest of the table is silently skipped;
2. posts the message's `data` to EVERY connection it found, the sender included, all at once
   (Promise.all);
3. on a 410 Gone from a post, deletes the SENDER's id (event.requestContext.connectionId), not the
   stale one.

All three behaviours are kept here on purpose: this is what the benchmarks compare against.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

CHAT_TABLE_SUFFIX = "simplechat_connections"
BATCH_SIZE = 25  # DynamoDB BatchWriteItem maximum


def chat_table_name(prefix: str) -> str:
    return f"{prefix}{CHAT_TABLE_SUFFIX}"


def create_chat_table(dynamodb: Any, name: str) -> None:
    """The sample's ConnectionsTable: hash key connectionId (S), no indexes.

    (The sample provisions 5 RCU/WCU; the capacity mode changes the bill per unit, not the items
    a Scan reads, so on-demand is used like the app's tables.)
    """
    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )


def _chunks(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def batch_put(dynamodb: Any, table: str, items: Iterable[dict[str, Any]]) -> int:
    """Bulk-load low-level items (attribute-value maps) with BatchWriteItem; returns how many."""
    written = 0
    for chunk in _chunks(items, BATCH_SIZE):
        pending: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in chunk]}
        for _ in range(10):
            answer = dynamodb.batch_write_item(RequestItems=pending)
            pending = answer.get("UnprocessedItems") or {}
            if not pending:
                break
        else:
            raise RuntimeError("BatchWriteItem kept returning unprocessed items")
        written += len(chunk)
    return written


def chat_items(connection_ids: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Rows exactly as the sample's onconnect writes them."""
    for connection_id in connection_ids:
        yield {"connectionId": {"S": connection_id}}


# --- the three handlers ---------------------------------------------------------------------------
def on_connect(dynamodb: Any, table: str, connection_id: str) -> None:
    dynamodb.put_item(TableName=table, Item={"connectionId": {"S": connection_id}})


def on_disconnect(dynamodb: Any, table: str, connection_id: str) -> None:
    dynamodb.delete_item(TableName=table, Key={"connectionId": {"S": connection_id}})


@dataclass(frozen=True)
class Broadcast:
    found: int  # connections the Scan returned
    posts: int
    gone: int
    truncated: bool  # the Scan stopped at a page boundary (the sample never reads further)


PostFunction = Callable[[str, str], None]


def send_message(dynamodb: Any, table: str, sender_connection_id: str, body: str, post: PostFunction,
                 gone_errors: tuple[type[BaseException], ...], executor: Executor | None = None) -> Broadcast:
    """The sample's sendmessage: Scan everything, post to everyone, mishandle Gone."""
    scan = dynamodb.scan(TableName=table, ProjectionExpression="connectionId")  # one page, never paginated
    post_data = str(json.loads(body)["data"])
    targets = [str(item["connectionId"]["S"]) for item in scan.get("Items", [])]

    def post_one(connection_id: str) -> bool:
        try:
            post(connection_id, post_data)
            return True
        except gone_errors:
            # The sample deletes event.requestContext.connectionId here: the SENDER, not the stale id.
            on_disconnect(dynamodb, table, sender_connection_id)
            return False

    if executor is None:
        outcomes = [post_one(connection_id) for connection_id in targets]
    else:  # Promise.all: every post in flight together (a failed post raises; the others still run)
        outcomes = list(executor.map(post_one, targets))
    delivered = sum(outcomes)
    return Broadcast(found=len(targets), posts=len(targets), gone=len(targets) - delivered,
                     truncated=bool(scan.get("LastEvaluatedKey")))


# --- room-aware variant (the like-for-like peer of our relay) -------------------------------------
# Same table, same handlers, plus a `joinroom` action that stores the socket's room on its row and a
# `sendroom` action that Scans the table FILTERED by that room and posts to the other sockets in it
# only. A filter does not shrink what a Scan reads (every row is read and billed; the filter drops
# rows after the read), so each message still reads the whole table, page by page. The room comes in
# the message (the chat sample trusts its client): one read fewer than a secure relay would need.
def join_room(dynamodb: Any, table: str, connection_id: str, room_id: str) -> None:
    dynamodb.update_item(TableName=table, Key={"connectionId": {"S": connection_id}},
                         UpdateExpression="SET roomId = :r", ExpressionAttributeValues={":r": {"S": room_id}})


@dataclass(frozen=True)
class RoomSend:
    pages: int  # Scan calls (the table is read to the end, unlike the sample's one page)
    scanned: int  # rows read (and billed)
    posts: int


def send_to_room(dynamodb: Any, table: str, sender_connection_id: str, body: str, post: PostFunction,
                 gone_errors: tuple[type[BaseException], ...]) -> RoomSend:
    """Scan the table filtered by the message's room, post `data` to every OTHER socket found."""
    message = json.loads(body)
    room_id, post_data = str(message["roomId"]), str(message["data"])
    targets: list[str] = []
    pages = scanned = 0
    request: dict[str, Any] = {
        "TableName": table, "ProjectionExpression": "connectionId", "FilterExpression": "roomId = :r",
        "ExpressionAttributeValues": {":r": {"S": room_id}},
    }
    while True:
        page = dynamodb.scan(**request)
        pages += 1
        scanned += int(page.get("ScannedCount", 0))
        targets += [str(item["connectionId"]["S"]) for item in page.get("Items", [])]
        if not page.get("LastEvaluatedKey"):
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    posts = 0
    for connection_id in targets:
        if connection_id == sender_connection_id:
            continue
        try:
            post(connection_id, post_data)
            posts += 1
        except gone_errors:
            on_disconnect(dynamodb, table, connection_id)  # the stale one, not the sender
    return RoomSend(pages=pages, scanned=scanned, posts=posts)


def room_chat_items(rows: Iterable[tuple[str, str]]) -> Iterator[dict[str, Any]]:
    """Rows of the room-aware variant: (connection id, room id)."""
    for connection_id, room_id in rows:
        yield {"connectionId": {"S": connection_id}, "roomId": {"S": room_id}}
