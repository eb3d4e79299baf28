"""The local AWS's DynamoDB applies each request atomically, as DynamoDB does.

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
