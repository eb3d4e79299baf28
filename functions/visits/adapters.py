"""Visit rooms and waiting-room queues in DynamoDB (pynamodb)."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.expressions.condition import size
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from functions.shared.dynamo import plain_map, translate_errors
from functions.shared.errors import Conflict, DependencyUnavailable
from functions.visits.ports import Participant, QueueEntry, Room, RoomStatus


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
    patientUsername = UnicodeAttribute()
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




def _room(item: VisitModel) -> Room:
    participants = {
        user_id: Participant(
            user_id=user_id,
            username=str(p.get("username", "")),
            role=str(p.get("role", "")),
            joined_at=str(p.get("joinedAt", "")),
            connection_id=p.get("connectionId"),
            left_at=p.get("leftAt"),
        )
        for user_id, p in plain_map(item.participants).items()
    }
    return Room(
        room_id=item.roomId,
        case_id=item.caseId,
        patient_id=item.patientId,
        patient_username=item.patientUsername,
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
        attendance=tuple(plain_map(entry) for entry in (item.attendance or [])),
    )


def _participant_doc(p: Participant) -> dict[str, Any]:
    doc: dict[str, Any] = {"username": p.username, "role": p.role, "joinedAt": p.joined_at}
    if p.connection_id:
        doc["connectionId"] = p.connection_id
    return doc


class DynamoVisitStore:
    def create(self, room: Room, ttl_epoch: int) -> None:
        with translate_errors(conflict_code="visit_exists"):
            VisitModel(
                roomId=room.room_id,
                caseId=room.case_id,
                patientId=room.patient_id,
                patientUsername=room.patient_username,
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
                return _room(VisitModel.get(room_id, consistent_read=True))
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
        return _room(item)

    def add_participant(self, room_id: str, participant: Participant, max_participants: int) -> Room:
        from pynamodb.exceptions import UpdateError

        item = VisitModel(roomId=room_id)
        slot = VisitModel.participants[participant.user_id]  # type: ignore[index]
        has_room = (size(VisitModel.participants) < max_participants) | slot.exists()
        try:
            joined = {"event": "joined", "userId": participant.user_id, "username": participant.username,
                      "role": participant.role, "at": participant.joined_at}
            item.update(actions=[slot.set(_participant_doc(participant)),
                                 VisitModel.attendance.set(VisitModel.attendance.append([joined]))],
                        condition=has_room & (VisitModel.status == RoomStatus.ACTIVE.value))
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise Conflict("The visit is full or not active.", code="room_full_or_inactive") from None
            raise DependencyUnavailable("The database is unavailable; try again.") from exc
        return _room(item)

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
            return [_room(item) for item in VisitModel.byCase.query(case_id, scan_index_forward=False, limit=limit)]


class WaitingModel(Model):
    class Meta:
        table_name = "unbound"

    doctorId = UnicodeAttribute(hash_key=True)
    queueKey = UnicodeAttribute(range_key=True)  # "<requestedAtEpoch, zero-padded>#<roomId>": oldest first
    roomId = UnicodeAttribute()
    caseId = UnicodeAttribute()
    patientId = UnicodeAttribute()
    patientUsername = UnicodeAttribute()
    requestedAt = UnicodeAttribute()
    requestedAtEpoch = NumberAttribute()
    expiresAtEpoch = NumberAttribute()


def queue_key(requested_at_epoch: float, room_id: str) -> str:
    return f"{requested_at_epoch:017.6f}#{room_id}"


class DynamoQueueStore:
    def enqueue(self, entries: list[QueueEntry], ttl_epoch: int) -> None:
        with translate_errors(), WaitingModel.batch_write() as batch:
            for e in entries:
                batch.save(WaitingModel(
                    doctorId=e.doctor_id, queueKey=queue_key(e.requested_at_epoch, e.room_id), roomId=e.room_id,
                    caseId=e.case_id, patientId=e.patient_id, patientUsername=e.patient_username,
                    requestedAt=e.requested_at, requestedAtEpoch=e.requested_at_epoch, expiresAtEpoch=ttl_epoch,
                ))

    def for_doctor(self, doctor_id: str) -> list[QueueEntry]:
        with translate_errors():
            return [
                QueueEntry(i.doctorId, i.roomId, i.caseId, i.patientId, i.patientUsername, i.requestedAt,
                           float(i.requestedAtEpoch))
                for i in WaitingModel.query(doctor_id, limit=200)
            ]

    def dequeue(self, room_id: str, doctor_ids: list[str], requested_at_epoch: float) -> None:
        key = queue_key(requested_at_epoch, room_id)
        with translate_errors(), WaitingModel.batch_write() as batch:
            for doctor in doctor_ids:
                batch.delete(WaitingModel(doctorId=doctor, queueKey=key))
