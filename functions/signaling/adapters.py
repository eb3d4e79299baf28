"""Signaling adapters: the connections table (pynamodb) and the API Gateway management API."""

from __future__ import annotations

import json
import threading
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from functions.shared.aws import error_code, make_client
from functions.shared.dynamo import ItemMap, translate_errors
from functions.shared.errors import DependencyUnavailable, NotFound, RateLimited
from functions.shared.settings import Settings
from functions.signaling.ports import Connection, ConnectionRegistry

# Rate limit (GCRA): every message pushes the connection's theoretical arrival time `tat` forward
# by EMISSION_INTERVAL; a message is allowed while tat stays within BURST_SECONDS of now.
# Heartbeats (sent every 30 s) pull a lagging tat up to now in their one write, so a live client's
# saved credit never exceeds one heartbeat interval and the normal path stays ONE write. Credit is
# also capped at MAX_IDLE_CREDIT_SECONDS (a client that stops pinging pays a second write once), so
# the largest burst is (MAX_IDLE_CREDIT_SECONDS + BURST_SECONDS) / EMISSION_INTERVAL = 960 frames.
EMISSION_INTERVAL = 0.05  # 20 messages/s sustained
BURST_SECONDS = 3.0  # 60 messages at once (an ICE candidate burst)
MAX_IDLE_CREDIT_SECONDS = 45.0  # above the 30 s heartbeat


class ByRoomIndex(GlobalSecondaryIndex["ConnectionModel"]):
    class Meta:
        index_name = "byRoom"
        projection = AllProjection()

    roomId = UnicodeAttribute(hash_key=True)
    connectionId = UnicodeAttribute(range_key=True)


class ByUserIndex(GlobalSecondaryIndex["ConnectionModel"]):
    class Meta:
        index_name = "byUser"
        projection = AllProjection()

    userId = UnicodeAttribute(hash_key=True)
    connectionId = UnicodeAttribute(range_key=True)


class ConnectionModel(Model):
    class Meta:
        table_name = "unbound"

    connectionId = UnicodeAttribute(hash_key=True)
    userId = UnicodeAttribute()
    username = UnicodeAttribute()
    roles = UnicodeAttribute()
    connectedAt = UnicodeAttribute()
    roomId = UnicodeAttribute(null=True)
    grantExpiresAtEpoch = NumberAttribute(null=True)
    tat = NumberAttribute()
    expiresAtEpoch = NumberAttribute()
    byRoom = ByRoomIndex()
    byUser = ByUserIndex()


# tat (the rate budget) and the TTL belong to the item, not to the Connection record.
CONNECTION_ITEM = ItemMap(Connection, ConnectionModel)


class DynamoConnectionRegistry:
    def add(self, connection: Connection, now: float, ttl_epoch: int) -> None:
        with translate_errors():
            CONNECTION_ITEM.to_item(connection, tat=now, expiresAtEpoch=ttl_epoch).save()

    def get(self, connection_id: str) -> Connection | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                return CONNECTION_ITEM.from_item(ConnectionModel.get(connection_id))
            except DoesNotExist:
                return None

    def remove(self, connection_id: str) -> None:
        with translate_errors():
            ConnectionModel(connectionId=connection_id).delete()

    def charge(self, connection_id: str, now: float) -> Connection:
        from pynamodb.exceptions import UpdateError

        item = ConnectionModel(connectionId=connection_id)
        within_budget = ConnectionModel.connectionId.exists() & ConnectionModel.tat.between(
            now - MAX_IDLE_CREDIT_SECONDS, now + BURST_SECONDS
        )
        try:
            item.update(actions=[ConnectionModel.tat.add(EMISSION_INTERVAL)], condition=within_budget)
            return CONNECTION_ITEM.from_item(item)
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise DependencyUnavailable("The database is unavailable; try again.") from exc
        # Rare path: unknown connection, over budget, or idle long enough to need a reset.
        current = self.get(connection_id)
        if current is None:
            raise NotFound("This connection is not registered; reconnect.", code="unknown_connection")
        try:
            item.update(
                actions=[ConnectionModel.tat.set(now)],
                condition=ConnectionModel.tat < now - MAX_IDLE_CREDIT_SECONDS,
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise RateLimited("Too many messages; slow down.", code="rate_limited") from None
            raise DependencyUnavailable("The database is unavailable; try again.") from exc
        return current

    def heartbeat(self, connection_id: str, now: float) -> Connection:
        """A ping: bring a lagging budget up to now (one write); a ping in debt pays like any frame."""
        from pynamodb.exceptions import UpdateError

        item = ConnectionModel(connectionId=connection_id)
        try:
            item.update(
                actions=[ConnectionModel.tat.set(now + EMISSION_INTERVAL)],
                condition=ConnectionModel.connectionId.exists() & (ConnectionModel.tat < now),
            )
            return CONNECTION_ITEM.from_item(item)
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise DependencyUnavailable("The database is unavailable; try again.") from exc
        return self.charge(connection_id, now)

    def set_room(self, connection_id: str, room_id: str | None, grant_expires_at_epoch: int | None = None) -> None:
        from pynamodb.exceptions import UpdateError

        item = ConnectionModel(connectionId=connection_id)
        actions: list[Any] = [ConnectionModel.roomId.set(room_id) if room_id else ConnectionModel.roomId.remove()]
        if room_id and grant_expires_at_epoch is not None:
            actions.append(ConnectionModel.grantExpiresAtEpoch.set(grant_expires_at_epoch))
        else:
            actions.append(ConnectionModel.grantExpiresAtEpoch.remove())
        try:
            item.update(actions=actions, condition=ConnectionModel.connectionId.exists())
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise NotFound("This connection is not registered; reconnect.", code="unknown_connection") from None
            raise DependencyUnavailable("The database is unavailable; try again.") from exc

    def members(self, room_id: str) -> list[Connection]:
        with translate_errors():
            return [CONNECTION_ITEM.from_item(item) for item in ConnectionModel.byRoom.query(room_id)]

    def of_user(self, user_id: str) -> list[Connection]:
        with translate_errors():
            return [CONNECTION_ITEM.from_item(item) for item in ConnectionModel.byUser.query(user_id)]


def management_endpoint(settings: Settings) -> str:
    """`https://{api}.execute-api.{region}.amazonaws.com/{stage}`, derived from the public wss URL."""
    if settings.ws_management_endpoint:
        return settings.ws_management_endpoint
    url = settings.ws_public_url
    if url.startswith("wss://"):
        return "https://" + url[len("wss://"):]
    if url.startswith("ws://"):
        return "http://" + url[len("ws://"):]
    raise DependencyUnavailable("The WebSocket endpoint is not configured.")


class ManagementApiNotifier:
    """Posts frames through `POST @connections/{id}`; a GoneException removes THAT connection."""

    def __init__(self, settings: Settings, registry: ConnectionRegistry) -> None:
        self._settings = settings
        self._registry = registry
        self._client: Any = None
        self._lock = threading.Lock()

    def _api(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = make_client(
                    "apigatewaymanagementapi", self._settings.region, endpoint_url=management_endpoint(self._settings)
                )
            return self._client

    def send(self, connection_id: str, message: dict[str, Any]) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        data = json.dumps(message, separators=(",", ":")).encode()
        try:
            self._api().post_to_connection(ConnectionId=connection_id, Data=data)
            return True
        except ClientError as exc:
            if error_code(exc) == "GoneException":
                self._registry.remove(connection_id)
                return False
            raise DependencyUnavailable("Could not deliver the message.") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable("Could not deliver the message.") from exc

    def disconnect(self, connection_id: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._api().delete_connection(ConnectionId=connection_id)
        except ClientError as exc:
            if error_code(exc) != "GoneException":
                raise DependencyUnavailable("Could not close the connection.") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable("Could not close the connection.") from exc
