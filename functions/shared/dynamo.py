"""pynamodb helpers shared by every adapter: binding models to tables, translating errors.

Models declare attributes at import of their adapter module (adapters are imported lazily by the
container); the physical table name and client tuning are bound on first use from settings.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import types
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from enum import Enum
from functools import cached_property
from typing import Any, Generic, TypeVar

from functions.shared.errors import Conflict, DependencyUnavailable, ValidationError
from functions.shared.settings import Settings
from functions.shared.tables import TableSpec

_shared: dict[tuple[str, str], Any] = {}


def shared_connection(settings: Settings) -> Any:
    """One pynamodb Connection (one botocore client) for every model, built from the process-wide
    botocore session every other client uses.

    pynamodb gives each model class its own session and client; building each costs ~100 ms of
    cold start (the service and endpoint data are parsed again per session).
    """
    from pynamodb.connection.base import Connection

    from functions.shared.aws import client_build_lock, shared_session

    key = (settings.region, settings.table_prefix)
    connection = _shared.get(key)
    if connection is None:
        connection = Connection(
            region=settings.region,
            connect_timeout_seconds=2,
            read_timeout_seconds=settings.dynamodb_read_timeout_seconds,
            max_retry_attempts=3,
        )
        session = shared_session()
        with client_build_lock():
            connection._local.session = session
            _ = connection.client  # built now, under the lock that guards the shared session
        _shared[key] = connection
    return connection


def bind_model(model: Any, spec: TableSpec, settings: Settings) -> None:
    """Point a model at its physical table and at the shared connection."""
    meta = model.Meta
    meta.table_name = settings.table_name(spec.logical_name)
    meta.region = settings.region
    meta.max_retry_attempts = 3
    meta.connect_timeout_seconds = 2
    meta.read_timeout_seconds = settings.dynamodb_read_timeout_seconds
    model._connection = None
    table_connection = model._get_connection()  # builds the table's key metadata, no network
    shared = shared_connection(settings)
    # Several models may map one table (an item type each), and two capabilities may bind the
    # same model: the connection keeps one schema per table name and refuses a second.
    with suppress(ValueError):
        shared.add_meta_table(table_connection.get_meta_table())
    table_connection.connection = shared


def forget_connections() -> None:
    """Tests: drop the shared connection (its client holds the old endpoint)."""
    _shared.clear()


@contextmanager
def translate_errors(conflict_code: str = "conflict", conflict_message: str = "The record changed.") -> Iterator[None]:
    """Turn pynamodb/botocore failures into domain errors (match on codes, never on text)."""
    from pynamodb.exceptions import PynamoDBException

    try:
        yield
    except PynamoDBException as exc:
        code = getattr(exc, "cause_response_code", None) or ""
        if code == "ConditionalCheckFailedException" or code == "TransactionCanceledException":
            raise Conflict(conflict_message, code=conflict_code) from exc
        raise DependencyUnavailable("The database is unavailable; try again.") from exc


def encode_cursor(last_evaluated_key: dict[str, Any] | None) -> str | None:
    if not last_evaluated_key:
        return None
    raw = json.dumps(last_evaluated_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_KEY_TYPES = frozenset({"S", "N", "B"})  # DynamoDB key attribute types


def decode_cursor(cursor: str | None, *, partition: tuple[str, str] | None = None) -> dict[str, Any] | None:
    """The start key a cursor carries, or None. `partition` (attribute, value) is the partition the
    query reads: a cursor from another partition (another case's page) is refused, never followed."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("The cursor is not valid.", code="invalid_cursor") from None
    # A start key is {attribute: {"S" | "N" | "B": text}}; anything else was not made by encode_cursor
    # (and would reach DynamoDB as a malformed request).
    if not isinstance(value, dict) or not value or not all(
            isinstance(typed, dict) and len(typed) == 1 and next(iter(typed)) in _KEY_TYPES
            and isinstance(next(iter(typed.values())), str) for typed in value.values()):
        raise ValidationError("The cursor is not valid.", code="invalid_cursor")
    if partition is not None:
        name, expected = partition
        if value.get(name, {}).get("S") != expected:
            raise ValidationError("The cursor is not valid.", code="invalid_cursor")
    return value


def plain_map(value: Any) -> dict[str, Any]:
    """A pynamodb MapAttribute value (or a dict, or None) as a plain dict."""
    if value is None:
        return {}
    return dict(value.as_dict()) if hasattr(value, "as_dict") else dict(value)


R = TypeVar("R")


def camel(name: str) -> str:
    """A field name as its item attribute: `case_id` -> `caseId`."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


class ItemMap(Generic[R]):
    """The one mapping between a frozen dataclass and its pynamodb model, both ways.

    Each field is stored under its camelCase name (`case_id` -> `caseId`) unless `names` renames it;
    an enum is stored as its value, a tuple as a list, and each is read back as the field's type.
    `derived` adds the attributes computed from a record (index keys such as `caseSite`); attributes
    the record does not hold (a rate-limit counter, a TTL) are passed to `to_item` by name.
    Field types are read on first use, not at import.
    """

    def __init__(self, record: type[R], model: Any, *, names: dict[str, str] | None = None,
                 derived: Callable[[R], dict[str, Any]] | None = None) -> None:
        self._record = record
        self._model = model
        self._names = names or {}
        self._derived = derived

    @cached_property
    def _fields(self) -> list[tuple[str, str, Callable[[Any], Any]]]:
        hints = typing.get_type_hints(self._record)
        return [
            (field.name, self._names.get(field.name, camel(field.name)), _reader(hints[field.name]))
            for field in dataclasses.fields(self._record)  # type: ignore[arg-type]
        ]

    def attributes(self, record: R) -> dict[str, Any]:
        """The item's attributes, as model constructor arguments."""
        values = {attribute: _stored(getattr(record, name)) for name, attribute, _ in self._fields}
        if self._derived is not None:
            values.update(self._derived(record))
        return values

    def to_item(self, record: R, **extra: Any) -> Any:
        return self._model(**self.attributes(record), **extra)

    def from_item(self, item: Any) -> R:
        return self._record(**{name: read(getattr(item, attribute)) for name, attribute, read in self._fields})


def _stored(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def _reader(hint: Any) -> Callable[[Any], Any]:
    """How an attribute's value becomes the field's type (None stays None for optional fields)."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        (inner,) = [arg for arg in args if arg is not type(None)]
        read = _reader(inner)
        return lambda value: None if value is None else read(value)
    origin = typing.get_origin(hint) or hint
    if isinstance(origin, type) and issubclass(origin, Enum):
        return origin
    if origin is dict:
        if typing.get_args(hint) == (str, float):
            return lambda value: {str(key): float(number) for key, number in plain_map(value).items()}
        return plain_map
    if origin is tuple:
        return lambda value: tuple(value or ())
    if origin in (int, float):
        return origin  # type: ignore[no-any-return]
    return lambda value: value
