"""What the backup service needs of storage: raw items and raw objects, nothing decoded or opened."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

# A DynamoDB item in DynamoDB JSON ({"attr": {"S": "..."}}), binary values as base64 text.
RawItem = dict[str, Any]


class TableStore(Protocol):
    def scan(self, table: str) -> Iterator[RawItem]:
        """Every item of the table (consistent reads), in any order."""
        ...

    def put_all(self, table: str, items: Iterable[RawItem]) -> int:
        """Write the items (the table exists and is empty); returns how many were written."""
        ...


class ObjectStore(Protocol):
    def keys(self, bucket: str) -> Iterator[str]:
        """The key of every current object."""
        ...

    def get(self, bucket: str, key: str) -> bytes: ...

    def put(self, bucket: str, key: str, body: bytes) -> None: ...
