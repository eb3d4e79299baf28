"""Signaling adapters: the connections table (pynamodb) and the API Gateway management API."""

from __future__ import annotations

import json
import threading
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from functions.shared.aws import error_code, make_client
from functions.shared.dynamo import translate_errors
from functions.shared.errors import DependencyUnavailable
from functions.shared.settings import Settings
from functions.signaling.ports import Connection, ConnectionRegistry


class ByRoomIndex(GlobalSecondaryIndex["ConnectionModel"]):
    class Meta:
        index_name = "byRoom"
        projection = AllProjection()

    roomId = UnicodeAttribute(hash_key=True)
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
    expiresAtEpoch = NumberAttribute()
    byRoom = ByRoomIndex()


class DynamoConnectionRegistry:
    def add(self, connection: Connection, ttl_epoch: int) -> None:
        with translate_errors():
            ConnectionModel(
                connectionId=connection.connection_id,
                userId=connection.user_id,
                username=connection.username,
                roles=connection.roles,
                connectedAt=connection.connected_at,
                roomId=connection.room_id,
                expiresAtEpoch=ttl_epoch,
            ).save()

    def get(self, connection_id: str) -> Connection | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                item = ConnectionModel.get(connection_id)
            except DoesNotExist:
                return None
        return Connection(item.connectionId, item.userId, item.username, item.roles, item.connectedAt, item.roomId)

    def remove(self, connection_id: str) -> None:
        with translate_errors():
            ConnectionModel(connectionId=connection_id).delete()


class ManagementApiNotifier:
    """Posts frames through `POST @connections/{id}`; a GoneException removes THAT connection."""

    def __init__(self, settings: Settings, registry: ConnectionRegistry) -> None:
        self._settings = settings
        self._registry = registry
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _client(self, endpoint: str) -> Any:
        target = self._settings.ws_management_endpoint or endpoint
        with self._lock:
            client = self._clients.get(target)
            if client is None:
                client = make_client("apigatewaymanagementapi", self._settings.region, endpoint_url=target)
                self._clients[target] = client
            return client

    def send(self, endpoint: str, connection_id: str, message: dict[str, Any]) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        data = json.dumps(message, separators=(",", ":")).encode()
        try:
            self._client(endpoint).post_to_connection(ConnectionId=connection_id, Data=data)
            return True
        except ClientError as exc:
            if error_code(exc) == "GoneException":
                self._registry.remove(connection_id)
                return False
            raise DependencyUnavailable("Could not deliver the message.") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable("Could not deliver the message.") from exc
