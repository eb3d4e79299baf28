"""The benchmark meter bills index writes by DynamoDB's rules: a write costs an index write only when it
changes an attribute the index projects (or the item's place in it)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bench.dynamo_meter import DynamoMeter, item_size
from functions.shared.tables import CONNECTIONS, Index

REGION = "eu-west-1"


@pytest.fixture
def dynamodb() -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        yield boto3.client("dynamodb", region_name=REGION), boto3.client("dynamodb", region_name=REGION)


def _table(client: Any, name: str, projection: str) -> None:
    spec = CONNECTIONS
    if projection == "ALL":  # the connections table as it was: both indexes project everything
        spec = dataclasses.replace(spec, indexes=tuple(Index(i.name, i.hash_key, i.range_key) for i in spec.indexes))
    client.create_table(**spec.create_table_kwargs(name))


def _connection(client: Any, table: str) -> None:
    client.put_item(TableName=table, Item={
        "connectionId": {"S": "c1="}, "userId": {"S": "u1"}, "username": {"S": "dr.one"}, "roles": {"S": "doctor"},
        "connectedAt": {"S": "2026-01-01T00:00:00+00:00"}, "roomId": {"S": "room-1"},
        "tat": {"N": "1772400000.5"}, "expiresAtEpoch": {"N": "1772407800"},
        "members": {"M": {"c1=": {"M": {"u": {"S": "u1"}}}, "c2=": {"M": {"u": {"S": "u2"}}}}},
    })


def _spend(client: Any, table: str) -> None:
    client.update_item(TableName=table, Key={"connectionId": {"S": "c1="}}, UpdateExpression="ADD tat :d",
                       ExpressionAttributeValues={":d": {"N": "0.05"}}, ReturnValues="ALL_NEW")


@pytest.mark.parametrize(("projection", "billed", "index_writes"), [("ALL", 3, 2), ("NARROW", 1, 0)])
def test_a_budget_write_writes_every_index_that_projects_it(dynamodb: tuple[Any, Any], projection: str,
                                                            billed: int, index_writes: int) -> None:
    client, shadow = dynamodb
    _table(client, "connections", projection)
    _connection(client, "connections")
    meter = DynamoMeter(client, shadow=shadow)
    with meter.measure() as tally:
        _spend(client, "connections")
    assert (tally.requests, tally.writes, tally.gsi_writes, tally.billed_writes) == (1, 1, index_writes, billed)


def test_changing_the_room_moves_the_item_in_byroom_and_rewrites_byuser(dynamodb: tuple[Any, Any]) -> None:
    client, shadow = dynamodb
    _table(client, "connections", "NARROW")
    _connection(client, "connections")
    meter = DynamoMeter(client, shadow=shadow)
    with meter.measure() as tally:
        client.update_item(TableName="connections", Key={"connectionId": {"S": "c1="}},
                           UpdateExpression="SET roomId = :r", ExpressionAttributeValues={":r": {"S": "room-2"}})
    # byRoom: the key changed (delete + put); byUser: its projected roomId changed (one write).
    assert tally.gsi_writes_by_index == {"byRoom": 2, "byUser": 1}
    with meter.measure() as left:
        client.update_item(TableName="connections", Key={"connectionId": {"S": "c1="}},
                           UpdateExpression="REMOVE roomId")
    assert left.gsi_writes_by_index == {"byRoom": 1, "byUser": 1}
    with meter.measure() as refused, pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.update_item(TableName="connections", Key={"connectionId": {"S": "c1="}},
                           UpdateExpression="SET tat = :t", ConditionExpression="attribute_exists(roomId)",
                           ExpressionAttributeValues={":t": {"N": "1"}})
    assert (refused.write_units, refused.gsi_writes) == (1.0, 0)


def test_read_units_are_4_kb_units_halved_for_eventual_reads(dynamodb: tuple[Any, Any]) -> None:
    client, shadow = dynamodb
    _table(client, "connections", "NARROW")
    _connection(client, "connections")
    meter = DynamoMeter(client, shadow=shadow)
    with meter.measure() as strong:
        client.get_item(TableName="connections", Key={"connectionId": {"S": "c1="}}, ConsistentRead=True)
    with meter.measure() as eventual:
        client.query(TableName="connections", IndexName="byRoom", KeyConditionExpression="roomId = :r",
                     ExpressionAttributeValues={":r": {"S": "room-1"}})
    assert (strong.read_units, eventual.read_units) == (1.0, 0.5)
    assert item_size({"a": {"S": "xyz"}, "n": {"N": "12345"}}) == 1 + 3 + 1 + 4
