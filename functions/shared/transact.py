"""All-or-nothing writes across tables (DynamoDB TransactWriteItems), knowing which item failed.

Capabilities hand each other `TransactItem`s (opaque to their services) so that, for example, a
record change and its audit-trail entry land together or not at all. When DynamoDB cancels a
transaction it reports a reason per item; `commit` maps them back to the items' labels so each
owner can tell "my condition failed" (a real conflict) from "someone else's did" (retry).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from functions.shared.errors import DependencyUnavailable

MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit per TransactWriteItems


@dataclass(frozen=True)
class TransactItem:
    label: str  # who owns the item and what it is, e.g. "records.pointer"
    kind: Literal["put", "update", "delete", "check"]
    operation: dict[str, Any] = field(repr=False)  # pynamodb operation kwargs (table, key, condition...)
    connection: Any = field(repr=False, compare=False)  # the pynamodb Connection the model is bound to


class TransactionCancelled(Exception):  # a signal between adapters, never shown to clients
    """DynamoDB cancelled the transaction; `reasons` maps item labels to their cancellation codes."""

    def __init__(self, reasons: dict[str, str]) -> None:
        super().__init__(", ".join(f"{label}: {code}" for label, code in sorted(reasons.items())))
        self.reasons = reasons

    def failed(self, *labels: str) -> bool:
        """Did the condition of any of these items fail?"""
        return any(self.reasons.get(label) == "ConditionalCheckFailed" for label in labels)


def put_item(label: str, instance: Any, condition: Any = None) -> TransactItem:
    return TransactItem(label, "put", instance.get_save_kwargs_from_instance(condition=condition),
                        instance._get_connection().connection)


def update_item(label: str, instance: Any, actions: list[Any], condition: Any = None) -> TransactItem:
    operation = instance.get_update_kwargs_from_instance(actions=actions, condition=condition)
    return TransactItem(label, "update", operation, instance._get_connection().connection)


def delete_item(label: str, instance: Any, condition: Any = None) -> TransactItem:
    return TransactItem(label, "delete", instance.get_delete_kwargs_from_instance(condition=condition),
                        instance._get_connection().connection)


def commit(items: Sequence[TransactItem]) -> None:
    """Write every item or none; TransactionCancelled names the items that stopped it."""
    from pynamodb.exceptions import TransactWriteError

    if not items:
        return
    if len(items) > MAX_TRANSACTION_ITEMS:
        raise ValueError("too many items for one transaction")
    # pynamodb sends checks, then deletes, puts and updates, whatever order they were added in;
    # the per-item cancellation reasons come back in that order.
    ordered = [i for kind in ("check", "delete", "put", "update") for i in items if i.kind == kind]
    try:
        items[0].connection.transact_write_items(
            condition_check_items=[i.operation for i in ordered if i.kind == "check"],
            delete_items=[i.operation for i in ordered if i.kind == "delete"],
            put_items=[i.operation for i in ordered if i.kind == "put"],
            update_items=[i.operation for i in ordered if i.kind == "update"],
            # Makes botocore's retry after a timeout idempotent: DynamoDB answers the retry with the
            # first attempt's outcome instead of failing it on that attempt's own writes.
            client_request_token=str(uuid.uuid4()),
        )
    except TransactWriteError as exc:
        if exc.cause_response_code == "TransactionCanceledException":
            reasons = exc.cancellation_reasons
            raise TransactionCancelled(
                {item.label: reason.code for item, reason in zip(ordered, reasons, strict=False) if reason is not None}
            ) from None
        raise DependencyUnavailable("The database is unavailable; try again.") from exc
