"""Video visit lifecycle: request -> waiting room -> admit/decline/cancel -> active -> ended.

A room id is 128 random bits. Waiting rooms expire (TTL) if nobody admits them; an ended room is
kept as the visit's consultation record on the case (participants, times, reason, quality).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from functions.access.ports import Grant, GrantKind
from functions.access.service import AccessPolicy
from functions.cases.ports import OpenCases
from functions.shared.auth import Principal, Role
from functions.shared.clock import Clock, iso
from functions.shared.errors import Forbidden, NotFound
from functions.shared.observability import put_metrics
from functions.timeline.ports import EventType, TimelineEvent, TimelineWriter
from functions.visits.ports import QueueEntry, QueueStore, Room, RoomStatus, UserNotifier, VisitStore

WAITING_TTL_SECONDS = 30 * 60
ACTIVE_TTL_SECONDS = 12 * 3600  # backstop only: API Gateway closes sockets after 2 h
AVERAGE_VISIT_SECONDS = 10 * 60  # for the patient's estimated wait


def call_metrics(summary: dict[str, Any]) -> tuple[dict[str, float], dict[str, str]]:
    """One participant's call-quality summary as metrics, and the units of those not counted, for the
    ops dashboard and the poor-call-share alarm: counts, the setup time when the call connected, the
    seconds spent in audio only. Older clients send neither of the last two; a missing figure is not
    a zero."""
    metrics: dict[str, float] = {"CallsReported": 1, "PoorCalls": int(summary.get("worstQuality") == "poor"),
                                 "CallReconnects": int(summary.get("reconnects", 0))}
    units: dict[str, str] = {}
    if summary.get("setupMs") is not None:
        metrics["CallSetupMs"], units["CallSetupMs"] = int(summary["setupMs"]), "Milliseconds"
    if summary.get("audioOnlySeconds") is not None:
        metrics["AudioOnlySeconds"], units["AudioOnlySeconds"] = int(summary["audioOnlySeconds"]), "Seconds"
    return metrics, units


def room_not_found() -> NotFound:
    return NotFound("No such visit.", code="visit_not_found")


class VisitService:
    def __init__(self, rooms: VisitStore, queue: QueueStore, access: AccessPolicy, notifier: UserNotifier,
                 clock: Clock = time.time, *, timeline: TimelineWriter | None = None,
                 open_cases: OpenCases | None = None) -> None:
        self._open_cases = open_cases
        self._rooms = rooms
        self._queue = queue
        self._access = access
        self._notifier = notifier
        self._clock = clock
        self._timeline = timeline

    # --- patient ----------------------------------------------------------------------------
    def request(self, patient: Principal, case_id: str) -> dict[str, Any]:
        """Open a waiting room for the patient's case and tell its doctors who are online."""
        grant = self._access.require_case(patient, case_id, action="visit.request")
        if grant.kind is not GrantKind.OWNER:
            raise room_not_found()
        if self._open_cases is not None:
            self._open_cases.require_open(case_id)
        for room in self._rooms.for_case(case_id, limit=5):
            if room.status is not RoomStatus.ENDED and self._live(room):
                return self.view(room, patient)  # asking twice does not queue twice
        doctors = [g.principal_id for g in self._access.grants_of(case_id) if g.kind is not GrantKind.OWNER]
        now = self._clock()
        room = Room(
            room_id=secrets.token_urlsafe(16),
            case_id=case_id,
            patient_id=patient.user_id,
            patient_username=patient.username,
            status=RoomStatus.WAITING,
            requested_at=iso(now),
            requested_at_epoch=now,
            doctor_ids=tuple(doctors),
        )
        expires = int(now) + WAITING_TTL_SECONDS
        self._rooms.create(room, ttl_epoch=expires)
        self._queue.enqueue(
            [QueueEntry(d, room.room_id, case_id, patient.user_id, patient.username, room.requested_at, now)
             for d in doctors],
            ttl_epoch=expires,
        )
        frame = {"type": "visit.waiting", "roomId": room.room_id, "caseId": case_id,
                 "patient": patient.username, "requestedAt": room.requested_at}
        for doctor in doctors:
            self._notifier.notify_user(doctor, frame)
        return self.view(room, patient)

    def cancel(self, patient: Principal, room_id: str) -> dict[str, Any]:
        room = self._room_for(patient, room_id)
        if room.patient_id != patient.user_id:
            raise room_not_found()
        ended = self._end(room, RoomStatus.WAITING, reason="cancelled")
        self._notify_doctors(ended, {"type": "visit.cancelled", "roomId": room_id})
        return self.view(ended, patient)

    # --- doctor -----------------------------------------------------------------------------
    def waiting_queue(self, doctor: Principal) -> dict[str, Any]:
        now = self._clock()
        entries = [e for e in self._queue.for_doctor(doctor.user_id)
                   if e.requested_at_epoch + WAITING_TTL_SECONDS > now]
        return {"items": [
            {"roomId": e.room_id, "caseId": e.case_id, "patientId": e.patient_id, "patient": e.patient_username,
             "requestedAt": e.requested_at, "position": index + 1, "waitedSeconds": int(now - e.requested_at_epoch)}
            for index, e in enumerate(entries)
        ]}

    def admit(self, doctor: Principal, room_id: str) -> dict[str, Any]:
        room = self._room_for(doctor, room_id)
        self._require_doctor(doctor)
        now = self._clock()
        admitted = self._rooms.transition(
            room_id, RoomStatus.WAITING,
            {"status": RoomStatus.ACTIVE, "admittedAt": iso(now), "admittedBy": doctor.user_id,
             "startedAtEpoch": now},
            ttl_epoch=int(now) + ACTIVE_TTL_SECONDS,
        )
        self._queue.dequeue(room_id, list(room.doctor_ids), room.requested_at_epoch)
        self._notifier.notify_user(room.patient_id, {"type": "visit.admitted", "roomId": room_id,
                                                      "admittedBy": doctor.username})
        self._notify_doctors(admitted, {"type": "queue.changed", "roomId": room_id}, skip=doctor.user_id)
        return self.view(admitted, doctor)

    def decline(self, doctor: Principal, room_id: str) -> dict[str, Any]:
        room = self._room_for(doctor, room_id)
        self._require_doctor(doctor)
        ended = self._end(room, RoomStatus.WAITING, reason="declined")
        self._notifier.notify_user(room.patient_id, {"type": "visit.declined", "roomId": room_id})
        self._notify_doctors(ended, {"type": "queue.changed", "roomId": room_id}, skip=doctor.user_id)
        return self.view(ended, doctor)

    # --- anyone on the case -----------------------------------------------------------------
    def end(self, principal: Principal, room_id: str, reason: str = "completed") -> dict[str, Any]:
        """Ends the visit for everyone: the patient, the doctor who admitted it, or anyone who joined.
        A doctor who merely has a right to the case (an invited colleague) may not end a visit they are
        not in."""
        room = self._room_for(principal, room_id)
        if principal.user_id not in {room.patient_id, room.admitted_by, *room.participants}:
            raise Forbidden("Only the patient, the doctor who admitted the visit or a participant may end it.",
                            code="not_a_participant")
        ended = self._end(room, RoomStatus.ACTIVE, reason=reason)
        if self._timeline is not None:
            self._timeline.append(TimelineEvent(
                case_id=ended.case_id, event_id=ended.room_id, type=EventType.VISIT,
                occurred_at=ended.admitted_at or ended.requested_at, actor_id=principal.user_id,
                ref_id=ended.room_id,
                summary={"endReason": reason, "durationSeconds": ended.duration_seconds,
                         "participants": len(ended.participants)},
            ))
        self._notifier.close_room(room_id, [p.connection_id for p in ended.participants.values() if p.connection_id])
        frame = {"type": "visit.ended", "roomId": room_id, "reason": reason}
        for user_id in {room.patient_id, *ended.participants}:
            self._notifier.notify_user(user_id, frame)
        return self.view(ended, principal)

    def report_quality(self, principal: Principal, room_id: str, summary: dict[str, Any]) -> None:
        room = self._room_for(principal, room_id)
        if principal.user_id not in room.participants and principal.user_id != room.patient_id:
            raise Forbidden("Only participants report call quality.", code="not_a_participant")
        self._rooms.put_quality(room_id, principal.user_id, {**summary, "reportedAt": iso(self._clock())})
        metrics, units = call_metrics(summary)
        put_metrics(metrics, units=units)

    def get(self, principal: Principal, room_id: str) -> dict[str, Any]:
        return self.view(self._room_for(principal, room_id), principal)

    def history(self, principal: Principal, case_id: str, limit: int) -> dict[str, Any]:
        self._access.require_case(principal, case_id, action="visit.list")
        return {"items": [self.record(room) for room in self._rooms.for_case(case_id, limit)
                          if room.status is RoomStatus.ENDED]}

    # --- helpers ----------------------------------------------------------------------------
    def room_for(self, principal: Principal, room_id: str) -> Room:
        """The room if the principal has a right to its case; NotFound otherwise (signaling uses it)."""
        return self._room_for(principal, room_id)

    def room_and_grant_end(self, principal: Principal, room_id: str) -> tuple[Room, int | None]:
        """The room and when the principal's right to its case ends (None: it does not); signaling
        stores that end with the socket so every later frame can check it without a read."""
        room, grant = self._room_and_grant(principal, room_id)
        return room, grant.expires_at_epoch

    def access_until(self, principal: Principal, case_id: str) -> float | None:
        """A fresh look at the grant (an invitation may have been extended since a socket joined):
        None when the principal has no right to the case now, inf when the right does not end."""
        grant = self._access.grant_for(principal, case_id)
        if grant is None:
            return None
        return float("inf") if grant.expires_at_epoch is None else float(grant.expires_at_epoch)

    def active_for_doctor(self, doctor: Principal, most_cases: int = 200) -> dict[str, Any]:
        """Visits in progress on the doctor's cases (assigned or invited with a live grant), so they can
        join one already running: the queue entry is gone once a colleague admitted it. One Query per
        visible case on the byCase index (newest first, 2 items); a doctor's caseload is in the tens."""
        self._require_doctor(doctor)
        items: list[dict[str, Any]] = []
        for case_id in self._access.all_visible_case_ids(doctor, most=most_cases):
            for room in self._rooms.for_case(case_id, limit=2):
                if room.status is RoomStatus.ACTIVE:
                    here = [p for p in room.participants.values() if p.left_at is None]
                    items.append({"roomId": room.room_id, "caseId": case_id, "patientId": room.patient_id,
                                  "patient": room.patient_username, "admittedAt": room.admitted_at,
                                  "joined": doctor.user_id in room.participants,
                                  "participants": [{"participantId": p.user_id, "username": p.username,
                                                    "role": p.role} for p in here]})
        items.sort(key=lambda item: str(item["admittedAt"] or ""), reverse=True)
        return {"items": items}

    def _room_for(self, principal: Principal, room_id: str) -> Room:
        return self._room_and_grant(principal, room_id)[0]

    def _room_and_grant(self, principal: Principal, room_id: str) -> tuple[Room, Grant]:
        room = self._rooms.get(room_id)
        if room is None:
            raise room_not_found()
        try:
            grant = self._access.require_case(principal, room.case_id, action="visit.access")
        except NotFound:
            raise room_not_found() from None
        if not self._live(room):
            raise room_not_found()
        return room, grant

    def _live(self, room: Room) -> bool:
        # DynamoDB TTL deletes lazily (up to days later): treat expired waiting rooms as gone now.
        return not (room.status is RoomStatus.WAITING
                    and room.requested_at_epoch + WAITING_TTL_SECONDS <= self._clock())

    @staticmethod
    def _require_doctor(principal: Principal) -> None:
        if Role.DOCTOR not in principal.roles:
            raise room_not_found()

    def _end(self, room: Room, expected: RoomStatus, reason: str) -> Room:
        now = self._clock()
        started = room.started_at_epoch
        changes: dict[str, Any] = {"status": RoomStatus.ENDED, "endedAt": iso(now), "endReason": reason}
        if started is not None:
            changes["durationSeconds"] = max(0, int(now - started))
        ended = self._rooms.transition(room.room_id, expected, changes, ttl_epoch=None)
        if expected is RoomStatus.WAITING:
            self._queue.dequeue(room.room_id, list(room.doctor_ids), room.requested_at_epoch)
        return ended

    def _notify_doctors(self, room: Room, frame: dict[str, Any], skip: str | None = None) -> None:
        for doctor in room.doctor_ids:
            if doctor != skip:
                self._notifier.notify_user(doctor, frame)

    def position(self, room: Room) -> int | None:
        if room.status is not RoomStatus.WAITING:
            return None
        positions = []
        now = self._clock()
        for doctor in room.doctor_ids:
            # Same view as the doctor's queue: expired requests (not yet deleted by TTL) are not ahead.
            ids = [e.room_id for e in self._queue.for_doctor(doctor)
                   if e.requested_at_epoch + WAITING_TTL_SECONDS > now]
            if room.room_id in ids:
                positions.append(ids.index(room.room_id) + 1)
        return min(positions) if positions else None

    def view(self, room: Room, viewer: Principal) -> dict[str, Any]:
        body: dict[str, Any] = {
            "roomId": room.room_id,
            "caseId": room.case_id,
            "status": room.status.value,
            "requestedAt": room.requested_at,
            "admittedAt": room.admitted_at,
            "endedAt": room.ended_at,
            "endReason": room.end_reason,
            "participants": [{"participantId": p.user_id, "username": p.username, "role": p.role}
                             for p in room.participants.values() if p.left_at is None],
        }
        position = self.position(room)
        if position is not None:
            body["position"] = position
            body["estimatedWaitSeconds"] = (position - 1) * AVERAGE_VISIT_SECONDS
            body["waitedSeconds"] = int(self._clock() - room.requested_at_epoch)
        return body

    @staticmethod
    def record(room: Room) -> dict[str, Any]:
        """The consultation record kept on the case when a visit ends."""
        return {
            "roomId": room.room_id,
            "caseId": room.case_id,
            "requestedAt": room.requested_at,
            "startedAt": room.admitted_at,
            "endedAt": room.ended_at,
            "durationSeconds": room.duration_seconds,
            "endReason": room.end_reason,
            "participants": [{"participantId": p.user_id, "username": p.username, "role": p.role,
                              "joinedAt": p.joined_at, "leftAt": p.left_at} for p in room.participants.values()],
            "attendance": list(room.attendance),
            "quality": room.quality,
        }
