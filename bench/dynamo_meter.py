"""Counts the DynamoDB work a piece of code does, from botocore's own events.

Attach a meter to any botocore DynamoDB client (the app's: `shared_connection(settings).client`;
a baseline's: its boto3 client). Per API call it records the operation, items written (from the
request) and items read (from the response: ScannedCount for Query/Scan, one per key for gets).

Items read are what DynamoDB bills reads on: a Query or Scan pays for every item it examines
(ScannedCount), whatever it returns. moto's ConsumedCapacity is a constant per call (0.5 or 1.0,
whatever the item count), so it is recorded raw and never used for conclusions.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

SINGLE_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})
SCANS = frozenset({"Query", "Scan"})


@dataclass
class Tally:
    requests: int = 0
    writes: int = 0
    items_read: int = 0
    items_returned: int = 0
    truncated_pages: int = 0  # a Query/Scan answer with LastEvaluatedKey (more data than one page)
    reported_capacity: float = 0.0  # moto's ConsumedCapacity, raw
    operations: Counter[str] = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        self.requests += other.requests
        self.writes += other.writes
        self.items_read += other.items_read
        self.items_returned += other.items_returned
        self.truncated_pages += other.truncated_pages
        self.reported_capacity += other.reported_capacity
        self.operations.update(other.operations)

    def per(self, count: int) -> dict[str, Any]:
        """Averages per unit of work (per relayed message)."""
        return {
            "requests": round(self.requests / count, 3),
            "writes": round(self.writes / count, 3),
            "items_read": round(self.items_read / count, 3),
            "items_returned": round(self.items_returned / count, 3),
            "truncated_pages": round(self.truncated_pages / count, 3),
            "moto_reported_capacity": round(self.reported_capacity / count, 3),
            "operations": {name: round(n / count, 3) for name, n in sorted(self.operations.items())},
        }


def _writes(operation: str, params: dict[str, Any]) -> int:
    if operation in SINGLE_WRITES:
        return 1
    if operation == "BatchWriteItem":
        return sum(len(requests) for requests in (params.get("RequestItems") or {}).values())
    if operation == "TransactWriteItems":
        return len(params.get("TransactItems") or [])
    return 0


def _reads(operation: str, parsed: dict[str, Any]) -> tuple[int, int]:
    """(items read, items returned) of one answer."""
    if operation in SCANS:
        return int(parsed.get("ScannedCount", 0)), int(parsed.get("Count", 0))
    if operation == "GetItem":
        return 1, 1 if parsed.get("Item") else 0  # a miss is billed too
    if operation in ("BatchGetItem", "TransactGetItems"):
        if operation == "BatchGetItem":
            returned = sum(len(items) for items in (parsed.get("Responses") or {}).values())
        else:
            returned = sum(1 for response in parsed.get("Responses") or [] if response.get("Item"))
        return returned, returned
    return 0, 0


def _capacity(parsed: dict[str, Any]) -> float:
    consumed = parsed.get("ConsumedCapacity")
    entries = consumed if isinstance(consumed, list) else [consumed] if isinstance(consumed, dict) else []
    return float(sum(float(entry.get("CapacityUnits", 0.0)) for entry in entries))


class DynamoMeter:
    """Attach once to a client; `measure()` yields a Tally of the calls made inside the block."""

    def __init__(self, client: Any) -> None:
        self._lock = threading.Lock()
        self._current: Tally | None = None
        events = client.meta.events
        events.register("before-parameter-build.dynamodb", self._before)
        events.register("after-call.dynamodb", self._after)

    @contextmanager
    def measure(self) -> Iterator[Tally]:
        tally = Tally()
        with self._lock:
            if self._current is not None:
                raise RuntimeError("measure() blocks do not nest")
            self._current = tally
        try:
            yield tally
        finally:
            with self._lock:
                self._current = None

    def _before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        with self._lock:
            if self._current is None:
                return
            self._current.requests += 1
            self._current.operations[model.name] += 1
            self._current.writes += _writes(model.name, params)

    def _after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        with self._lock:
            if self._current is None:
                return
            read, returned = _reads(model.name, parsed)
            self._current.items_read += read
            self._current.items_returned += returned
            if model.name in SCANS and parsed.get("LastEvaluatedKey"):
                self._current.truncated_pages += 1
            self._current.reported_capacity += _capacity(parsed)
