"""Visit rooms and waiting-room queues in DynamoDB (pynamodb).

A person's username (a Cognito username is often a name or an e-mail address) is sealed wherever a
visit item keeps it: the room's patient, each participant, each "joined" entry of the attendance
log, and the waiting-room entries (context {table "visits" | "waiting_room", recordId roomId, field};
one data-key purpose, "visits", for both copies). Ids stay readable: they are what the queries,
conditions and the signaling's room checks use. A participant is sealed once when joining; the
attendance entry keeps the same ciphertext, so reading a room opens one value per person.

Items stored before sealing hold plaintext usernames: `seal_legacy_visits_page` and
`seal_legacy_queue_page` convert them; a reader meeting one raises NotMigrated.
"""

from __future__ import annotations

import base64
from typing import Any

from pynamodb.attributes import BinaryAttribute, ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.expressions.condition import size
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from functions.crypto.ports import FieldSealer
from functions.migrations.legacy import MigrationPage, convert_page, not_migrated
from functions.shared.dynamo import plain_map, translate_errors
from functions.shared.errors import Conflict, DependencyUnavailable
from functions.visits.ports import Participant, QueueEntry, Room, RoomStatus

TABLE = "visits"
QUEUE_TABLE = "waiting_room"
KEY_PURPOSE = "visits"  # the rooms and their waiting-room entries hold copies of the same usernames


class ByCaseIndex(GlobalSecondaryIndex["VisitModel"]):
    class Meta:
        index_name = "byCase"
        projection = AllProjection()

    caseId = UnicodeAttribute(hash_key=True)
    requestedAt = UnicodeAttribute(range_key=True)


class VisitModel(Model):
    class Meta:
        table_name = "unbound"

    roomId = UnicodeAttribute(hash_key=True)
    caseId = UnicodeAttribute()
    patientId = UnicodeAttribute()
    patientUsernameSealed = BinaryAttribute(legacy_encoding=False, null=True)
    patientUsername = UnicodeAttribute(null=True)  # plaintext, only on rooms stored before sealing
    status = UnicodeAttribute()
    requestedAt = UnicodeAttribute()
    requestedAtEpoch = NumberAttribute()
    admittedAt = UnicodeAttribute(null=True)
    admittedBy = UnicodeAttribute(null=True)
    startedAtEpoch = NumberAttribute(null=True)
    endedAt = UnicodeAttribute(null=True)
    endReason = UnicodeAttribute(null=True)
    durationSeconds = NumberAttribute(null=True)
    participants = MapAttribute(default=dict)  # type: ignore[var-annotated]
    quality = MapAttribute(default=dict)  # type: ignore[var-annotated]
    doctorIds = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[var-annotated]
    attendance = ListAttribute(default=list)  # type: ignore[var-annotated]
    expiresAtEpoch = NumberAttribute(null=True)
    byCase = ByCaseIndex()




def _username_field(user_id: str) -> str:
    return f"username/{user_id}"


def _text(blob: bytes) -> str:
    """A ciphertext inside a map or list (stored as text: untyped map values are inferred by pynamodb)."""
    return base64.b64encode(blob).decode()


def _room(item: VisitModel, sealer: FieldSealer) -> Room:
    participants_raw = plain_map(item.participants)
    attendance_raw = [plain_map(entry) for entry in (item.attendance or [])]
    if item.patientUsernameSealed is None:
        raise not_migrated(TABLE)
    sealed = {"patientUsername": bytes(item.patientUsernameSealed)}
    for user_id, p in participants_raw.items():
        if "usernameSealed" not in p:
            raise not_migrated(TABLE)
        sealed[_username_field(user_id)] = base64.b64decode(p["usernameSealed"])
    for entry in attendance_raw:
        if "username" in entry:
            raise not_migrated(TABLE)
        if "usernameSealed" in entry:  # a person who left and was removed is only in the log
            sealed.setdefault(_username_field(str(entry["userId"])), base64.b64decode(entry["usernameSealed"]))
    opened = sealer.open(TABLE, item.roomId, sealed, purpose=KEY_PURPOSE)
    participants = {
        user_id: Participant(
            user_id=user_id,
            username=str(opened[_username_field(user_id)]),
            role=str(p.get("role", "")),
            joined_at=str(p.get("joinedAt", "")),
            connection_id=p.get("connectionId"),
            left_at=p.get("leftAt"),
        )
        for user_id, p in participants_raw.items()
    }
    attendance = []
    for entry in attendance_raw:
        if "usernameSealed" in entry:
            # The answer keeps the log's shape: the username where it always was.
            shown = {key: value for key, value in entry.items() if key != "usernameSealed"}
            entry = {**shown, "username": opened[_username_field(str(entry["userId"]))]}
        attendance.append(entry)
    return Room(
        room_id=item.roomId,
        case_id=item.caseId,
        patient_id=item.patientId,
        patient_username=str(opened["patientUsername"]),
        status=RoomStatus(item.status),
        requested_at=item.requestedAt,
        requested_at_epoch=float(item.requestedAtEpoch),
        admitted_at=item.admittedAt,
        admitted_by=item.admittedBy,
        started_at_epoch=float(item.startedAtEpoch) if item.startedAtEpoch is not None else None,
        ended_at=item.endedAt,
        end_reason=item.endReason,
        duration_seconds=int(item.durationSeconds) if item.durationSeconds is not None else None,
        participants=participants,
        quality={k: dict(v) for k, v in plain_map(item.quality).items()},
        doctor_ids=tuple(str(d) for d in (item.doctorIds or [])),
        attendance=tuple(attendance),
    )


def _participant_doc(p: Participant, username_sealed: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"usernameSealed": username_sealed, "role": p.role, "joinedAt": p.joined_at}
    if p.connection_id:
        doc["connectionId"] = p.connection_id
    return doc


class DynamoVisitStore:
    def __init__(self, sealer: FieldSealer) -> None:
        self._sealer = sealer

    def create(self, room: Room, ttl_epoch: int) -> None:
        sealed = self._sealer.seal(TABLE, room.room_id, {"patientUsername": room.patient_username},
                                   purpose=KEY_PURPOSE)
        with translate_errors(conflict_code="visit_exists"):
            VisitModel(
                roomId=room.room_id,
                caseId=room.case_id,
                patientId=room.patient_id,
                patientUsernameSealed=sealed["patientUsername"],
                status=room.status.value,
                requestedAt=room.requested_at,
                requestedAtEpoch=room.requested_at_epoch,
                participants={},
                quality={},
                doctorIds=list(room.doctor_ids),
                attendance=[],
                expiresAtEpoch=ttl_epoch,
            ).save(condition=VisitModel.roomId.does_not_exist())

    def get(self, room_id: str) -> Room | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                return _room(VisitModel.get(room_id, consistent_read=True), self._sealer)
            except DoesNotExist:
                return None

    def transition(self, room_id: str, expected: RoomStatus, changes: dict[str, Any], ttl_epoch: int | None) -> Room:
        from pynamodb.exceptions import UpdateError

        item = VisitModel(roomId=room_id)
        actions = [getattr(VisitModel, name).set(value.value if isinstance(value, RoomStatus) else value)
                   for name, value in changes.items()]
        actions.append(VisitModel.expiresAtEpoch.set(ttl_epoch) if ttl_epoch else VisitModel.expiresAtEpoch.remove())
        try:
            item.update(actions=actions, condition=VisitModel.status == expected.value)
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise Conflict(f"The visit is no longer {expected.value}.", code="visit_state_changed") from None
            raise DependencyUnavailable("The database is unavailable; try again.") from exc
        return _room(item, self._sealer)

    def add_participant(self, room_id: str, participant: Participant, max_participants: int) -> Room:
        from pynamodb.exceptions import UpdateError

        item = VisitModel(roomId=room_id)
        slot = VisitModel.participants[participant.user_id]  # type: ignore[index]
        has_room = (size(VisitModel.participants) < max_participants) | slot.exists()
        field = _username_field(participant.user_id)
        username = _text(self._sealer.seal(TABLE, room_id, {field: participant.username}, purpose=KEY_PURPOSE)[field])
        try:
            joined = {"event": "joined", "userId": participant.user_id, "usernameSealed": username,
                      "role": participant.role, "at": participant.joined_at}
            item.update(actions=[slot.set(_participant_doc(participant, username)),
                                 VisitModel.attendance.set(VisitModel.attendance.append([joined]))],
                        condition=has_room & (VisitModel.status == RoomStatus.ACTIVE.value))
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise Conflict("The visit is full or not active.", code="room_full_or_inactive") from None
            raise DependencyUnavailable("The database is unavailable; try again.") from exc
        return _room(item, self._sealer)

    def mark_left(self, room_id: str, user_id: str, left_at: str, reason: str = "left") -> None:
        from pynamodb.exceptions import UpdateError

        slot = VisitModel.participants[user_id]  # type: ignore[index]
        left = {"event": "left", "userId": user_id, "at": left_at, "reason": reason}
        try:
            VisitModel(roomId=room_id).update(
                actions=[slot["leftAt"].set(left_at), VisitModel.attendance.set(VisitModel.attendance.append([left]))],
                condition=slot.exists(),
            )
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise DependencyUnavailable("The database is unavailable; try again.") from exc

    def remove_participant(self, room_id: str, user_id: str) -> None:
        with translate_errors():
            VisitModel(roomId=room_id).update(
                actions=[VisitModel.participants[user_id].remove()],  # type: ignore[index]
                condition=VisitModel.roomId.exists(),
            )

    def put_quality(self, room_id: str, user_id: str, summary: dict[str, Any]) -> None:
        with translate_errors():
            VisitModel(roomId=room_id).update(
                actions=[VisitModel.quality[user_id].set(summary)],  # type: ignore[index]
                condition=VisitModel.roomId.exists(),
            )

    def for_case(self, case_id: str, limit: int) -> list[Room]:
        with translate_errors():
            return [_room(item, self._sealer)
                    for item in VisitModel.byCase.query(case_id, scan_index_forward=False, limit=limit)]


class WaitingModel(Model):
    class Meta:
        table_name = "unbound"

    doctorId = UnicodeAttribute(hash_key=True)
    queueKey = UnicodeAttribute(range_key=True)  # "<requestedAtEpoch, zero-padded>#<roomId>": oldest first
    roomId = UnicodeAttribute()
    caseId = UnicodeAttribute()
    patientId = UnicodeAttribute()
    patientUsernameSealed = BinaryAttribute(legacy_encoding=False, null=True)
    patientUsername = UnicodeAttribute(null=True)  # plaintext, only on entries stored before sealing
    requestedAt = UnicodeAttribute()
    requestedAtEpoch = NumberAttribute()
    expiresAtEpoch = NumberAttribute()


def queue_key(requested_at_epoch: float, room_id: str) -> str:
    return f"{requested_at_epoch:017.6f}#{room_id}"


class DynamoQueueStore:
    def __init__(self, sealer: FieldSealer) -> None:
        self._sealer = sealer

    def enqueue(self, entries: list[QueueEntry], ttl_epoch: int) -> None:
        # One seal per room, its ciphertext on each doctor's entry (the same username for all).
        sealed: dict[str, bytes] = {}
        for e in entries:
            if e.room_id not in sealed:
                sealed[e.room_id] = self._sealer.seal(QUEUE_TABLE, e.room_id, {"patientUsername": e.patient_username},
                                                      purpose=KEY_PURPOSE)["patientUsername"]
        with translate_errors(), WaitingModel.batch_write() as batch:
            for e in entries:
                batch.save(WaitingModel(
                    doctorId=e.doctor_id, queueKey=queue_key(e.requested_at_epoch, e.room_id), roomId=e.room_id,
                    caseId=e.case_id, patientId=e.patient_id, patientUsernameSealed=sealed[e.room_id],
                    requestedAt=e.requested_at, requestedAtEpoch=e.requested_at_epoch, expiresAtEpoch=ttl_epoch,
                ))

    def _entry(self, item: WaitingModel) -> QueueEntry:
        if item.patientUsernameSealed is None:
            raise not_migrated(QUEUE_TABLE)
        opened = self._sealer.open(QUEUE_TABLE, item.roomId, {"patientUsername": bytes(item.patientUsernameSealed)},
                                   purpose=KEY_PURPOSE)
        return QueueEntry(item.doctorId, item.roomId, item.caseId, item.patientId, str(opened["patientUsername"]),
                          item.requestedAt, float(item.requestedAtEpoch))

    def for_doctor(self, doctor_id: str) -> list[QueueEntry]:
        with translate_errors():
            return [self._entry(item) for item in WaitingModel.query(doctor_id, limit=200)]

    def dequeue(self, room_id: str, doctor_ids: list[str], requested_at_epoch: float) -> None:
        key = queue_key(requested_at_epoch, room_id)
        with translate_errors(), WaitingModel.batch_write() as batch:
            for doctor in doctor_ids:
                batch.delete(WaitingModel(doctorId=doctor, queueKey=key))


def _converted(doc: dict[str, Any], user_id: str, sealed: dict[str, bytes]) -> dict[str, Any]:
    """A participant or attendance entry with its plaintext username replaced by the sealed one."""
    if "username" not in doc:
        return doc
    kept = {key: value for key, value in doc.items() if key != "username"}
    return {**kept, "usernameSealed": _text(sealed[_username_field(user_id)])}


def seal_legacy_visits_page(sealer: FieldSealer, cursor: str | None, page_size: int) -> MigrationPage:
    """Seal the plaintext usernames of one Scan page of rooms (functions/migrations/legacy.py).

    The participants map and the attendance log are rewritten whole, on the condition that the log
    has not grown and the room is in the state read: a join during the run loses the race (counted),
    and the next run converts the room.
    """
    def plan(item: VisitModel) -> tuple[list[Any], Any] | None:
        participants = plain_map(item.participants)
        attendance = [plain_map(entry) for entry in (item.attendance or [])]
        plain_people = {uid: str(p["username"]) for uid, p in participants.items() if "username" in p}
        plain_people |= {str(e["userId"]): str(e["username"]) for e in attendance if "username" in e}
        if item.patientUsername is None and item.patientUsernameSealed is not None and not plain_people:
            return None
        fields: dict[str, object] = {_username_field(uid): name for uid, name in plain_people.items()}
        if item.patientUsernameSealed is None:
            fields["patientUsername"] = item.patientUsername or ""
        sealed = sealer.seal(TABLE, item.roomId, fields, purpose=KEY_PURPOSE)
        actions: list[Any] = [
            VisitModel.participants.set({uid: _converted(p, uid, sealed) for uid, p in participants.items()}),
            VisitModel.attendance.set([_converted(e, str(e.get("userId")), sealed) for e in attendance]),
        ]
        condition = (VisitModel.status == item.status) & (size(VisitModel.attendance) == len(attendance))
        if "patientUsername" in sealed:
            actions.append(VisitModel.patientUsernameSealed.set(sealed["patientUsername"]))
            condition &= VisitModel.patientUsernameSealed.does_not_exist()
        if item.patientUsername is not None:
            actions.append(VisitModel.patientUsername.remove())
        return actions, condition

    return convert_page(VisitModel, cursor, page_size, plan)


def seal_legacy_queue_page(sealer: FieldSealer, cursor: str | None, page_size: int) -> MigrationPage:
    """Seal the plaintext usernames of one Scan page of waiting-room entries (they also expire in 30 min)."""

    def plan(item: WaitingModel) -> tuple[list[Any], Any] | None:
        if item.patientUsername is None:
            return None
        actions: list[Any] = [WaitingModel.patientUsername.remove()]
        condition = WaitingModel.queueKey.exists()
        if item.patientUsernameSealed is None:
            sealed = sealer.seal(QUEUE_TABLE, item.roomId, {"patientUsername": item.patientUsername},
                                 purpose=KEY_PURPOSE)
            actions.append(WaitingModel.patientUsernameSealed.set(sealed["patientUsername"]))
            condition &= WaitingModel.patientUsernameSealed.does_not_exist()
        return actions, condition

    return convert_page(WaitingModel, cursor, page_size, plan)
