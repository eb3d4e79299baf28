"""Signaling adapters: the connections table (pynamodb) and the API Gateway management API.

A connection's username is sealed (context {table "connections", recordId connectionId, field
"username"}) under the connections' shared key of the year: a socket belongs to no case when it
connects. It is opened on a join only; the relay's one write per frame returns it sealed and never
opens it (no key read, no KMS call per frame). Items stored before hold `username` in plaintext:
`seal_legacy_page` converts them, and a join meeting one raises NotMigrated.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from typing import Any

from pynamodb.attributes import BinaryAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from functions.crypto.ports import FieldSealer
from functions.migrations.legacy import MigrationPage, convert_page, not_migrated
from functions.shared.aws import error_code, make_client
from functions.shared.dynamo import translate_errors
from functions.shared.errors import DependencyUnavailable, NotFound, RateLimited
from functions.shared.settings import Settings
from functions.signaling.ports import Connection, ConnectionRegistry, Member, Socket

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
    """Keys only: the relay never reads it (members ride on each item); closing a room needs the ids."""

    class Meta:
        index_name = "byRoom"
        projection = KeysOnlyProjection()

    roomId = UnicodeAttribute(hash_key=True)
    connectionId = UnicodeAttribute(range_key=True)


class ByUserIndex(GlobalSecondaryIndex["ConnectionModel"]):
    """A user's sockets and their rooms (live notices, revoking a grant); `tat` is not projected, so
    a rate-budget write does not write this index."""

    class Meta:
        index_name = "byUser"
        projection = IncludeProjection(["roomId"])

    userId = UnicodeAttribute(hash_key=True)
    connectionId = UnicodeAttribute(range_key=True)


class ConnectionModel(Model):
    class Meta:
        table_name = "unbound"

    connectionId = UnicodeAttribute(hash_key=True)
    userId = UnicodeAttribute()
    usernameSealed = BinaryAttribute(legacy_encoding=False, null=True)
    # Plaintext, only on sockets stored before usernames were sealed: read by seal_legacy_page alone.
    username = UnicodeAttribute(null=True)
    roles = UnicodeAttribute()
    connectedAt = UnicodeAttribute()
    roomId = UnicodeAttribute(null=True)
    grantExpiresAtEpoch = NumberAttribute(null=True)
    tat = NumberAttribute()
    expiresAtEpoch = NumberAttribute()
    # The room's sockets: {connectionId: {"u": userId, "g": grant end epoch (absent: none)}}, the list
    # of room `membersRoom` as of its attendance length `membersVersion` (see publish_members).
    members = MapAttribute(null=True)  # type: ignore[var-annotated]
    membersRoom = UnicodeAttribute(null=True)
    membersVersion = NumberAttribute(null=True)
    byRoom = ByRoomIndex()
    byUser = ByUserIndex()


def _members(item: ConnectionModel) -> tuple[Member, ...]:
    if not item.roomId or item.membersRoom != item.roomId or item.members is None:
        return ()  # a list left from another room (or none yet) is never used
    entries = item.members.as_dict() if hasattr(item.members, "as_dict") else dict(item.members)
    return tuple(
        Member(str(connection_id), str(entry["u"]), None if entry.get("g") is None else int(entry["g"]))
        for connection_id, entry in sorted(entries.items())
    )


def connection_of(item: ConnectionModel) -> Connection:
    # tat (the rate budget) and the TTL belong to the item, not to the Connection record.
    return Connection(
        connection_id=item.connectionId, user_id=item.userId, username="", roles=item.roles,
        connected_at=item.connectedAt, room_id=item.roomId,
        grant_expires_at_epoch=None if item.grantExpiresAtEpoch is None else int(item.grantExpiresAtEpoch),
        members=_members(item),
        username_sealed=None if item.usernameSealed is None else bytes(item.usernameSealed),
    )


TABLE = "connections"


def connection_item(connection: Connection, tat: float, expires_at_epoch: int) -> ConnectionModel:
    """The item of a connection whose username is sealed already (`username_sealed`)."""
    return ConnectionModel(
        connectionId=connection.connection_id, userId=connection.user_id, usernameSealed=connection.username_sealed,
        roles=connection.roles, connectedAt=connection.connected_at, roomId=connection.room_id,
        grantExpiresAtEpoch=connection.grant_expires_at_epoch, tat=tat, expiresAtEpoch=expires_at_epoch,
        members={m.connection_id: _entry(m) for m in connection.members} if connection.members else None,
        membersRoom=connection.room_id if connection.members else None,
    )


def _entry(member: Member) -> dict[str, Any]:
    entry: dict[str, Any] = {"u": member.user_id}
    if member.grant_expires_at_epoch is not None:
        entry["g"] = member.grant_expires_at_epoch
    return entry


class DynamoConnectionRegistry:
    def __init__(self, sealer: FieldSealer) -> None:
        self._sealer = sealer

    def add(self, connection: Connection, now: float, ttl_epoch: int) -> None:
        sealed = self._sealer.seal(TABLE, connection.connection_id, {"username": connection.username})["username"]
        item = connection_item(dataclasses.replace(connection, username="", username_sealed=sealed),
                               tat=now, expires_at_epoch=ttl_epoch)
        with translate_errors():
            item.save()

    def username(self, connection: Connection) -> str:
        if connection.username_sealed is None:
            raise not_migrated(TABLE)
        opened = self._sealer.open(TABLE, connection.connection_id, {"username": connection.username_sealed})
        return str(opened["username"])

    def get(self, connection_id: str) -> Connection | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                return connection_of(ConnectionModel.get(connection_id, consistent_read=True))
            except DoesNotExist:
                return None

    def remove(self, connection_id: str) -> Connection | None:
        with translate_errors():
            answer = ConnectionModel._get_connection().delete_item(connection_id, return_values="ALL_OLD")
        old = (answer or {}).get("Attributes")
        return connection_of(ConnectionModel.from_raw_data(old)) if old else None

    def many(self, connection_ids: list[str]) -> list[Connection]:
        if not connection_ids:
            return []
        with translate_errors():
            found = [connection_of(item) for item in ConnectionModel.batch_get(connection_ids, consistent_read=True)]
        return sorted(found, key=lambda connection: connection.connection_id)

    def charge(self, connection_id: str, now: float) -> Connection:
        from pynamodb.exceptions import UpdateError

        item = ConnectionModel(connectionId=connection_id)
        within_budget = ConnectionModel.connectionId.exists() & ConnectionModel.tat.between(
            now - MAX_IDLE_CREDIT_SECONDS, now + BURST_SECONDS
        )
        try:
            item.update(actions=[ConnectionModel.tat.add(EMISSION_INTERVAL)], condition=within_budget)
            return connection_of(item)
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
            return current
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise DependencyUnavailable("The database is unavailable; try again.") from exc
        # Another frame of this connection (API Gateway runs them concurrently) reset the budget
        # between our two writes: spend from it like any frame, refused only if it is really spent.
        try:
            item.update(actions=[ConnectionModel.tat.add(EMISSION_INTERVAL)], condition=within_budget)
            return connection_of(item)
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise RateLimited("Too many messages; slow down.", code="rate_limited") from None
            raise DependencyUnavailable("The database is unavailable; try again.") from exc

    def heartbeat(self, connection_id: str, now: float) -> Connection:
        """A ping: bring a lagging budget up to now (one write); a ping in debt pays like any frame."""
        from pynamodb.exceptions import UpdateError

        item = ConnectionModel(connectionId=connection_id)
        try:
            item.update(
                actions=[ConnectionModel.tat.set(now + EMISSION_INTERVAL)],
                condition=ConnectionModel.connectionId.exists() & (ConnectionModel.tat < now),
            )
            return connection_of(item)
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
        if not room_id:
            # A late publish of the old room may land here again; it is never used (membersRoom is
            # checked against roomId) and the next join's publish replaces it.
            actions += [ConnectionModel.members.remove(), ConnectionModel.membersRoom.remove(),
                        ConnectionModel.membersVersion.remove()]
        try:
            item.update(actions=actions, condition=ConnectionModel.connectionId.exists())
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise NotFound("This connection is not registered; reconnect.", code="unknown_connection") from None
            raise DependencyUnavailable("The database is unavailable; try again.") from exc

    def publish_members(self, connection_id: str, room_id: str, version: int, members: list[Member]) -> bool:
        """One conditional write. Lists of one room are ordered by the room's attendance length (every
        join and every leave appends to it), so concurrent joins cannot leave an older list on top of
        a newer one; an equal version may rewrite (same members, fresher grant ends)."""
        from pynamodb.exceptions import UpdateError

        item = ConnectionModel(connectionId=connection_id)
        where = (
            ConnectionModel.connectionId.exists()
            & (ConnectionModel.roomId.does_not_exist() | (ConnectionModel.roomId == room_id))
            & (ConnectionModel.membersVersion.does_not_exist() | (ConnectionModel.membersRoom != room_id)
               | (ConnectionModel.membersVersion <= version))
        )
        entries = {member.connection_id: _entry(member) for member in members}
        try:
            item.update(actions=[ConnectionModel.members.set(entries), ConnectionModel.membersRoom.set(room_id),
                                 ConnectionModel.membersVersion.set(version)], condition=where)
            return True
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise DependencyUnavailable("The database is unavailable; try again.") from exc

    def drop_member(self, connection_id: str, room_id: str, member_connection_id: str) -> None:
        from pynamodb.exceptions import UpdateError

        item = ConnectionModel(connectionId=connection_id)
        try:
            item.update(actions=[ConnectionModel.members[member_connection_id].remove()],  # type: ignore[index]
                        condition=ConnectionModel.connectionId.exists() & (ConnectionModel.membersRoom == room_id))
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise DependencyUnavailable("The database is unavailable; try again.") from exc

    def in_room(self, room_id: str) -> list[str]:
        with translate_errors():
            return [str(item.connectionId) for item in ConnectionModel.byRoom.query(room_id)]

    def of_user(self, user_id: str) -> list[Socket]:
        with translate_errors():
            return [Socket(str(item.connectionId), item.roomId) for item in ConnectionModel.byUser.query(user_id)]


def seal_legacy_page(sealer: FieldSealer, cursor: str | None, page_size: int) -> MigrationPage:
    """Seal the plaintext usernames of one Scan page of connections and remove them, one conditional
    write per item (functions/migrations/legacy.py); a socket that closed meanwhile is not recreated."""

    def plan(item: ConnectionModel) -> tuple[list[Any], Any] | None:
        if item.username is None and item.usernameSealed is not None:
            return None
        actions: list[Any] = [ConnectionModel.username.remove()] if item.username is not None else []
        condition = ConnectionModel.connectionId.exists()
        if item.usernameSealed is None:
            sealed = sealer.seal(TABLE, item.connectionId, {"username": item.username or ""})["username"]
            actions.append(ConnectionModel.usernameSealed.set(sealed))
            condition &= ConnectionModel.usernameSealed.does_not_exist()
        return actions, condition

    return convert_page(ConnectionModel, cursor, page_size, plan)


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
