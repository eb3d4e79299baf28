"""Record rules without a database: kinds, ids, changed fields, 409 details, transaction outcomes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pynamodb.exceptions import TransactWriteError, VerboseClientError

from functions.emr.kinds import CONTENT_SCHEMAS, ICD10_PATTERN, EntryKind, changed_fields
from functions.emr.service import new_entry_id
from functions.shared.errors import Conflict, ValidationError
from functions.shared.http import error_response
from functions.shared.transact import TransactionCancelled, TransactItem, commit
from functions.shared.validation import validate


@pytest.mark.parametrize("code", ["L40.0", "L20.9", "C43.59", "L40", "L4A.1", "U07.1"])
def test_icd10_codes_are_accepted(code: str) -> None:
    validate({"code": code, "text": "x", "clinicalStatus": "active"}, CONTENT_SCHEMAS[EntryKind.DIAGNOSIS],
             where="body.content")


@pytest.mark.parametrize("code", ["l40.0", "L4", "L40.", "L40.00000", "40.0", "psoriasis", "L40.0 "])
def test_malformed_icd10_codes_are_refused(code: str) -> None:
    import re

    assert not re.match(ICD10_PATTERN, code)
    with pytest.raises(ValidationError):
        validate({"code": code, "text": "x", "clinicalStatus": "active"}, CONTENT_SCHEMAS[EntryKind.DIAGNOSIS],
                 where="body.content")


def test_entry_ids_carry_the_kind_and_sort_by_creation_time() -> None:
    earlier = new_entry_id(EntryKind.PRESCRIPTION, 1_795_680_000.0)
    later = new_entry_id(EntryKind.PRESCRIPTION, 1_795_680_000.5)
    assert earlier.startswith("rx_") and later > earlier
    assert len(earlier) <= 64 and earlier.replace("_", "").isalnum()


def test_changed_fields_name_fields_never_values() -> None:
    before = {"drug": "A", "dose": "1 mg", "route": "oral"}
    after = {"drug": "A", "dose": "2 mg", "frequency": "daily"}
    assert changed_fields(before, after) == ["dose", "frequency", "route"]


def test_conflict_details_reach_the_json_body() -> None:
    response = error_response(Conflict("stale", code="version_conflict", details={"currentVersion": 3}))
    assert response.status_code == 409
    assert json.loads(response.body) == {
        "error": {"code": "version_conflict", "message": "stale", "details": {"currentVersion": 3}}
    }
    plain = json.loads(error_response(Conflict("x")).body)
    assert "details" not in plain["error"]


class CancellingConnection:
    """Answers TransactWriteItems like DynamoDB cancelling it: one reason per item, in sent order."""

    def __init__(self, codes: list[str | None]) -> None:
        self.codes = codes
        self.sent: dict[str, Any] = {}

    def transact_write_items(self, **kwargs: Any) -> None:
        self.sent = kwargs
        reasons = [{"Code": code or "None"} for code in self.codes]
        cause = VerboseClientError({"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}},
                                   "TransactWriteItems", {}, cancellation_reasons=(
                                       None if r["Code"] == "None" else _reason(r["Code"]) for r in reasons))
        raise TransactWriteError("Failed to write transaction items", cause)


def _reason(code: str) -> Any:
    from pynamodb.exceptions import CancellationReason

    return CancellationReason(code=code)


def test_cancellation_reasons_are_mapped_to_the_items_labels_whatever_the_order_added() -> None:
    # pynamodb sends puts before updates: the head update added first is the last item sent.
    connection = CancellingConnection([None, "ConditionalCheckFailed", None])
    items = [
        TransactItem("records.entry", "update", {"op": 1}, connection),
        TransactItem("records.version", "put", {"op": 2}, connection),
        TransactItem("audit.entry", "put", {"op": 3}, connection),
    ]
    with pytest.raises(TransactionCancelled) as raised:
        commit(items)
    assert raised.value.reasons == {"audit.entry": "ConditionalCheckFailed"}
    assert raised.value.failed("audit.entry") and not raised.value.failed("records.entry")
    assert [op["op"] for op in connection.sent["put_items"]] == [2, 3]
    assert connection.sent["client_request_token"]
