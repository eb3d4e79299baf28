"""Counts the DynamoDB work a piece of code does, from botocore's own events.

Attach a meter to any botocore DynamoDB client (the app's: `shared_connection(settings).client`;
a baseline's: its boto3 client). Per API call it records the operation, items written (from the
request) and items read (from the response: ScannedCount for Query/Scan, one per key for gets).

Items read are what DynamoDB bills reads on: a Query or Scan pays for every item it examines
(ScannedCount), whatever it returns. moto's ConsumedCapacity is a constant per call (0.5 or 1.0,
whatever the item count), so it is recorded raw and never used for conclusions.

Billed units (with a `shadow` client: a second client on the same endpoint, never metered). Around
every PutItem/UpdateItem/DeleteItem the meter reads the item before and after (strongly consistent)
and applies DynamoDB's rules: the base write costs ceil(max(old, new size) / 1 KB) write units (a
failed conditional write still costs one); each global secondary index costs a write when the item
enters or leaves it (1), moves within it (an index key changed: 2), or when an attribute the index
projects changes (1), at ceil(projected size / 1 KB) units each. Projections come from DescribeTable.
Read units are 4 KB units: ceil(size / 4 KB) per item read by GetItem/BatchGetItem, and for a
Query/Scan the returned items' sizes summed and rounded up once (scaled by ScannedCount / Count when
a filter dropped items); eventually consistent reads cost half. Sizes follow DynamoDB's item size
rules (attribute names plus values; numbers about one byte per two digits plus one).
"""

from __future__ import annotations

import math
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
    # With a shadow client (see the module docstring): billed units.
    write_units: float = 0.0  # base table
    gsi_writes: int = 0
    gsi_write_units: float = 0.0
    read_units: float = 0.0  # 4 KB units, half for eventually consistent reads
    gsi_writes_by_index: Counter[str] = field(default_factory=Counter)

    @property
    def billed_writes(self) -> float:
        return self.write_units + self.gsi_write_units

    def add(self, other: Tally) -> None:
        self.requests += other.requests
        self.writes += other.writes
        self.items_read += other.items_read
        self.items_returned += other.items_returned
        self.truncated_pages += other.truncated_pages
        self.reported_capacity += other.reported_capacity
        self.operations.update(other.operations)
        self.write_units += other.write_units
        self.gsi_writes += other.gsi_writes
        self.gsi_write_units += other.gsi_write_units
        self.read_units += other.read_units
        self.gsi_writes_by_index.update(other.gsi_writes_by_index)

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
            "billed_writes": round(self.billed_writes / count, 3),
            "write_units": round(self.write_units / count, 3),
            "gsi_writes": round(self.gsi_writes / count, 3),
            "gsi_write_units": round(self.gsi_write_units / count, 3),
            "gsi_writes_by_index": {name: round(n / count, 3) for name, n in sorted(self.gsi_writes_by_index.items())},
            "read_units": round(self.read_units / count, 3),
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


def value_size(value: dict[str, Any]) -> int:
    """Bytes of one typed attribute value, by DynamoDB's item size rules."""
    (kind, raw), = value.items()
    if kind == "S":
        return len(str(raw).encode())
    if kind == "N":
        digits = str(raw).lstrip("-").replace(".", "").lstrip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(raw) if isinstance(raw, bytes | bytearray) else math.ceil(len(str(raw)) * 3 / 4)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(name.encode()) + value_size(item) + 1 for name, item in raw.items())
    if kind == "L":
        return 3 + sum(value_size(item) + 1 for item in raw)
    if kind == "SS":
        return sum(len(str(item).encode()) for item in raw)
    if kind == "NS":
        return sum(value_size({"N": item}) for item in raw)
    if kind == "BS":
        return sum(value_size({"B": item}) for item in raw)
    return 0


def item_size(item: dict[str, Any] | None) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in (item or {}).items())


def _units(size: int, unit: int) -> int:
    return max(1, math.ceil(size / unit))


@dataclass(frozen=True)
class _Index:
    name: str
    keys: tuple[str, ...]  # the index's key attributes
    projected: tuple[str, ...] | None  # every attribute an index entry holds; None: ALL


@dataclass(frozen=True)
class _Table:
    keys: tuple[str, ...]
    indexes: tuple[_Index, ...]


def _describe(client: Any, table_name: str) -> _Table:
    table = client.describe_table(TableName=table_name)["Table"]
    keys = tuple(k["AttributeName"] for k in table["KeySchema"])
    indexes = []
    for index in table.get("GlobalSecondaryIndexes") or []:
        index_keys = tuple(k["AttributeName"] for k in index["KeySchema"])
        projection = index.get("Projection") or {}
        kind = projection.get("ProjectionType", "ALL")
        projected = None if kind == "ALL" else tuple(dict.fromkeys(
            keys + index_keys + tuple(projection.get("NonKeyAttributes") or () if kind == "INCLUDE" else ())))
        indexes.append(_Index(index["IndexName"], index_keys, projected))
    return _Table(keys, tuple(indexes))


def _index_writes(index: _Index, old: dict[str, Any] | None, new: dict[str, Any] | None) -> tuple[int, float]:
    """(index writes, index write units) of one base-table write that turned `old` into `new`."""

    def entry(item: dict[str, Any] | None) -> dict[str, Any] | None:
        if not item or any(name not in item for name in index.keys):
            return None  # sparse index: an item without the index key is not in it
        return dict(item) if index.projected is None else {n: item[n] for n in index.projected if n in item}

    before, after = entry(old), entry(new)
    if before is None and after is None:
        return 0, 0.0
    if before is None or after is None:
        return 1, float(_units(item_size(before or after), 1024))
    if any(before[name] != after[name] for name in index.keys):
        return 2, float(_units(item_size(before), 1024) + _units(item_size(after), 1024))
    if before != after:
        return 1, float(_units(max(item_size(before), item_size(after)), 1024))
    return 0, 0.0


def _capacity(parsed: dict[str, Any]) -> float:
    consumed = parsed.get("ConsumedCapacity")
    entries = consumed if isinstance(consumed, list) else [consumed] if isinstance(consumed, dict) else []
    return float(sum(float(entry.get("CapacityUnits", 0.0)) for entry in entries))


class DynamoMeter:
    """Attach once to a client; `measure()` yields a Tally of the calls made inside the block."""

    def __init__(self, client: Any, shadow: Any = None) -> None:
        self._lock = threading.Lock()
        self._current: Tally | None = None
        self._shadow = shadow
        self._tables: dict[str, _Table] = {}
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

    def _table(self, name: str) -> _Table:
        if name not in self._tables:
            self._tables[name] = _describe(self._shadow, name)
        return self._tables[name]

    def _stored(self, table_name: str, params: dict[str, Any]) -> dict[str, Any] | None:
        table = self._table(table_name)
        key = params.get("Key") or {name: params["Item"][name] for name in table.keys}
        item: dict[str, Any] | None = self._shadow.get_item(TableName=table_name, Key=key,
                                                            ConsistentRead=True).get("Item")
        return item

    def _before(self, params: dict[str, Any], model: Any, context: Any = None, **_: Any) -> None:
        with self._lock:
            if self._current is None:
                return
            self._current.requests += 1
            self._current.operations[model.name] += 1
            self._current.writes += _writes(model.name, params)
        if self._shadow is not None and model.name in SINGLE_WRITES and isinstance(context, dict):
            context["meter"] = (params["TableName"], dict(params), self._stored(params["TableName"], params))
        elif isinstance(context, dict):
            consistent = params.get("ConsistentRead") or any(
                request.get("ConsistentRead") for request in (params.get("RequestItems") or {}).values()
                if isinstance(request, dict))
            context["meter_consistent"] = bool(consistent)

    def _after(self, parsed: dict[str, Any], model: Any, context: Any = None, **_: Any) -> None:
        pending = context.pop("meter", None) if isinstance(context, dict) else None
        consistent = bool(context.get("meter_consistent")) if isinstance(context, dict) else False
        units = self._billed(model.name, parsed, pending, consistent) if self._shadow is not None else None
        with self._lock:
            if self._current is None:
                return
            read, returned = _reads(model.name, parsed)
            self._current.items_read += read
            self._current.items_returned += returned
            if model.name in SCANS and parsed.get("LastEvaluatedKey"):
                self._current.truncated_pages += 1
            self._current.reported_capacity += _capacity(parsed)
            if units is not None:
                write_units, by_index, read_units = units
                self._current.write_units += write_units
                self._current.read_units += read_units
                for name, (count, index_units) in by_index.items():
                    self._current.gsi_writes += count
                    self._current.gsi_write_units += index_units
                    if count:
                        self._current.gsi_writes_by_index[name] += count

    def _billed(self, operation: str, parsed: dict[str, Any],
                pending: tuple[str, dict[str, Any], dict[str, Any] | None] | None, consistent: bool
                ) -> tuple[float, dict[str, tuple[int, float]], float]:
        """(base write units, {index: (writes, units)}, read units) of one answered call."""
        failed = "Error" in parsed
        if operation in SINGLE_WRITES and pending is not None:
            table_name, params, old = pending
            if failed:  # a refused conditional write is billed as a write; nothing reaches an index
                return float(_units(item_size(old), 1024)), {}, 0.0
            new = None if operation == "DeleteItem" else self._stored(table_name, params)
            by_index = {index.name: _index_writes(index, old, new) for index in self._table(table_name).indexes}
            return float(_units(max(item_size(old), item_size(new)), 1024)), by_index, 0.0
        if failed:
            return 0.0, {}, 0.0
        if operation in ("BatchWriteItem", "TransactWriteItems"):
            return float(_writes(operation, {})), {}, 0.0  # not used on the measured paths
        return 0.0, {}, _read_units(operation, parsed) * (1.0 if consistent else 0.5)


def _read_units(operation: str, parsed: dict[str, Any]) -> float:
    """4 KB read units of an answer, as a strongly consistent read (an eventual one costs half)."""
    if operation == "GetItem":
        return float(_units(item_size(parsed.get("Item")), 4096))
    if operation == "BatchGetItem":
        return float(sum(_units(item_size(item), 4096)
                         for items in (parsed.get("Responses") or {}).values() for item in items))
    if operation in SCANS:
        items = parsed.get("Items") or []
        size = sum(item_size(item) for item in items)
        count, scanned = int(parsed.get("Count", len(items))), int(parsed.get("ScannedCount", len(items)))
        if count and scanned > count:
            size = size * scanned // count
        return float(_units(size, 4096))
    return 0.0
