"""The local AWS's DynamoDB applies each request atomically, as DynamoDB does, and cheaply.

The audit trail (and every other "claim this slot" write) relies on a conditional put being one
step: of several writers racing for one key with `attribute_not_exists`, exactly one wins. moto's
stock threaded server checks and stores in two steps with nothing held between them; under load two
writers both passed the check and an audit chain on the local stack ended up with a broken link.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.moto_aws import MotoServer, aws_client

WRITERS = 8  # racing for each key
ROUNDS = 150  # keys; the stock server let a second writer win in several of 150 rounds, every run tried


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    server = MotoServer(check_totp=False)
    server.start()
    server.reset()
    try:
        client = aws_client("dynamodb", server.endpoint)
        client.create_table(TableName="slots", BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        yield client
    finally:
        server.reset()
        server.stop()


def test_of_writers_racing_for_one_key_with_a_condition_exactly_one_wins(dynamodb: Any) -> None:
    client = dynamodb
    # Switch threads every 10 us instead of every 5 ms: the interleavings a loaded machine produces
    # now and then, produced every time.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    wins: dict[int, list[int]] = {n: [] for n in range(ROUNDS)}
    errors: list[BaseException] = []
    record = threading.Lock()

    def claim(writer: int) -> None:
        for key in range(ROUNDS):
            barrier.wait()
            try:
                client.put_item(TableName="slots", Item={"pk": {"S": f"slot-{key}"}, "writer": {"N": str(writer)}},
                                ConditionExpression="attribute_not_exists(pk)")
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    with record:
                        errors.append(error)
                continue
            with record:
                wins[key].append(writer)

    barrier = threading.Barrier(WRITERS)
    threads = [threading.Thread(target=claim, args=(n,)) for n in range(WRITERS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        sys.setswitchinterval(previous)
    assert not errors, errors[:3]
    doubled = {key: writers for key, writers in wins.items() if len(writers) != 1}
    assert not doubled, f"{len(doubled)} of {ROUNDS} keys were won by more or fewer than one writer: {doubled}"
    # And the item stored is the winner's, not a loser's that overwrote it.
    for key in range(0, ROUNDS, 15):
        item = client.get_item(TableName="slots", Key={"pk": {"S": f"slot-{key}"}})["Item"]
        assert int(item["writer"]["N"]) == wins[key][0]


def _item(client: Any, key: str) -> dict[str, Any] | None:
    return client.get_item(TableName="slots", Key={"pk": {"S": key}}).get("Item")  # type: ignore[no-any-return]


def test_a_cancelled_transaction_leaves_every_item_as_it_was(dynamodb: Any) -> None:
    client = dynamodb
    client.put_item(TableName="slots", Item={"pk": {"S": "kept"}, "n": {"N": "1"}})
    client.put_item(TableName="slots", Item={"pk": {"S": "doomed"}, "n": {"N": "2"}})
    changes = [
        {"Put": {"TableName": "slots", "Item": {"pk": {"S": "new"}, "n": {"N": "3"}}}},
        {"Update": {"TableName": "slots", "Key": {"pk": {"S": "kept"}}, "UpdateExpression": "SET n = :n",
                    "ExpressionAttributeValues": {":n": {"N": "9"}}}},
        {"Delete": {"TableName": "slots", "Key": {"pk": {"S": "doomed"}}}},
    ]
    refused = {"ConditionCheck": {"TableName": "slots", "Key": {"pk": {"S": "absent"}},
                                  "ConditionExpression": "attribute_exists(pk)"}}
    with pytest.raises(ClientError) as cancelled:
        client.transact_write_items(TransactItems=[*changes, refused])
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _item(client, "new") is None
    assert _item(client, "kept") == {"pk": {"S": "kept"}, "n": {"N": "1"}}
    assert _item(client, "doomed") == {"pk": {"S": "doomed"}, "n": {"N": "2"}}
    # The same item twice is refused as a whole too, after the first change was applied.
    with pytest.raises(ClientError) as twice:
        client.transact_write_items(TransactItems=[changes[1], {**changes[1]}])
    assert twice.value.response["Error"]["Code"] == "ValidationException"
    assert _item(client, "kept") == {"pk": {"S": "kept"}, "n": {"N": "1"}}
    # And a transaction that goes through writes all of it.
    client.transact_write_items(TransactItems=changes)
    assert _item(client, "new") == {"pk": {"S": "new"}, "n": {"N": "3"}}
    assert _item(client, "kept") == {"pk": {"S": "kept"}, "n": {"N": "9"}}
    assert _item(client, "doomed") is None


def test_a_transaction_does_not_copy_the_tables_it_names(dynamodb: Any) -> None:
    """moto's own rollback deep-copies every table a transaction names before it starts: a cost in
    proportion to everything stored, on every transaction (the local stack slowed as it filled)."""
    from moto.dynamodb.models.table import Table

    client = dynamodb
    client.batch_write_item(RequestItems={"slots": [
        {"PutRequest": {"Item": {"pk": {"S": f"filler-{n}"}}}} for n in range(25)]})
    copies: list[str] = []
    real = Table.__deepcopy__ if hasattr(Table, "__deepcopy__") else None

    def counted(self: Any, memo: Any) -> Any:
        copies.append(self.name)
        raise AssertionError("a whole table was deep-copied")

    Table.__deepcopy__ = counted  # type: ignore[attr-defined]
    try:
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": "slots", "Item": {"pk": {"S": "t1"}}}},
            {"Update": {"TableName": "slots", "Key": {"pk": {"S": "filler-1"}}, "UpdateExpression": "SET n = :n",
                        "ExpressionAttributeValues": {":n": {"N": "1"}}}},
        ])
    finally:
        if real is None:
            del Table.__deepcopy__  # type: ignore[attr-defined]
        else:
            Table.__deepcopy__ = real  # type: ignore[attr-defined]
    assert copies == []
    assert _item(client, "t1") is not None
