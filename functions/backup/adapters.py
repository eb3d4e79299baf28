"""boto3 behind the backup ports. Items stay in DynamoDB JSON (binary as base64), so a snapshot holds
exactly what the table held: sealed fields stay sealed, nothing is decoded or re-encoded."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from functions.backup.ports import RawItem
from functions.shared.errors import DependencyUnavailable

# BatchWriteItem takes at most 25 puts per call.
BATCH = 25


def _text_binaries(value: Any) -> Any:
    """boto3's bytes -> base64 text (as DynamoDB JSON writes binary), recursively."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for kind, inner in value.items():
            if kind == "B":
                out[kind] = base64.b64encode(inner).decode()
            elif kind == "BS":
                out[kind] = [base64.b64encode(one).decode() for one in inner]
            else:
                out[kind] = _text_binaries(inner)
        return out
    if isinstance(value, list):
        return [_text_binaries(inner) for inner in value]
    return value


def _byte_binaries(value: Any) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for kind, inner in value.items():
            if kind == "B":
                out[kind] = base64.b64decode(inner)
            elif kind == "BS":
                out[kind] = [base64.b64decode(one) for one in inner]
            else:
                out[kind] = _byte_binaries(inner)
        return out
    if isinstance(value, list):
        return [_byte_binaries(inner) for inner in value]
    return value


class DynamoTableStore:
    def __init__(self, client: Any) -> None:
        self._client = client

    def scan(self, table: str) -> Iterator[RawItem]:
        try:
            for page in self._client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
                for item in page["Items"]:
                    yield _text_binaries(item)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyUnavailable(f"Could not read table {table}.") from exc

    def put_all(self, table: str, items: Iterable[RawItem]) -> int:
        written = 0
        batch: list[dict[str, Any]] = []

        def flush() -> None:
            pending = {table: batch}
            try:
                while pending:
                    pending = self._client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            except (ClientError, BotoCoreError) as exc:
                raise DependencyUnavailable(f"Could not write table {table}.") from exc

        for item in items:
            batch.append({"PutRequest": {"Item": _byte_binaries(item)}})
            written += 1
            if len(batch) == BATCH:
                flush()
                batch = []
        if batch:
            flush()
        return written


class S3ObjectStore:
    def __init__(self, client: Any) -> None:
        self._client = client

    def keys(self, bucket: str) -> Iterator[str]:
        try:
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for listed in page.get("Contents", []):
                    yield str(listed["Key"])
        except (ClientError, BotoCoreError) as exc:
            raise DependencyUnavailable(f"Could not list bucket {bucket}.") from exc

    def get(self, bucket: str, key: str) -> bytes:
        try:
            body: bytes = self._client.get_object(Bucket=bucket, Key=key)["Body"].read()
            return body
        except (ClientError, BotoCoreError) as exc:
            raise DependencyUnavailable(f"Could not read {key} from {bucket}.") from exc

    def put(self, bucket: str, key: str, body: bytes) -> None:
        try:
            # A checksum: Object Lock buckets (the audit anchors) refuse a put without one.
            self._client.put_object(Bucket=bucket, Key=key, Body=body, ChecksumAlgorithm="SHA256")
        except (ClientError, BotoCoreError) as exc:
            raise DependencyUnavailable(f"Could not write {key} to {bucket}.") from exc
