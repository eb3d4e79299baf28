"""Signaling rules: who may connect, join which room, and where each frame goes.

The sender's room always comes from its stored connection (never from the frame), and every action
first spends the connection's rate budget in one conditional write that also returns the stored
connection, the room's member list included: a relay is that one write plus the posts.

Member lists. Each socket's item carries its room's sockets (id, user, grant end). Every change of
who is in a room (join, leave, disconnect, a grant that ends) is a write on the room item that
appends to its attendance log, so the log's length orders the room's states. The one making a
change reads the room (strongly consistent), reads the members' items in one batch (a socket that is
gone drops out) and stores that list on each member's item, conditioned on no newer list being
there. Concurrent joins therefore end with every member holding the newest list: the change with the
highest version publishes to everyone in it. A list can still be stale if a socket vanishes without
a $disconnect or a publisher fails half-way: a post that answers GoneException removes that socket
(as before) and now also drops it from the sender's list; the next change republishes.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from typing import Any

from functions.shared.auth import Principal, Role, roles_from_groups
from functions.shared.clock import Clock, iso
from functions.shared.errors import Conflict, DomainError, NotFound, ValidationError
from functions.signaling.messages import RELAYED_ACTIONS, Frame, error_frame, max_participants
from functions.signaling.ports import Connection, ConnectionRegistry, Member, PeerNotifier
from functions.visits.ports import Participant, Room, RoomStatus, VisitStore
from functions.visits.service import VisitService

# API Gateway closes a socket after 2 h; keep the row a little longer so TTL is only a backstop.
CONNECTION_TTL_SECONDS = 2 * 3600 + 600
# A participant whose socket dropped keeps their place this long (reconnect resumes it).
RESUME_GRACE_SECONDS = 60
# Re-publishing a member list after a newer one won (a concurrent join) is bounded; the newest
# publisher covers everyone anyway, the retry only refreshes this socket's own grant end in others' lists.
PUBLISH_ATTEMPTS = 3


def _role_in(room: Room, user_id: str) -> str:
    """A visit has one patient, the case's owner; everyone else in it is a doctor."""
    return "patient" if room.patient_id == user_id else Role.DOCTOR.value


def _name_in(room: Room, user_id: str) -> str:
    participant = room.participants.get(user_id)
    return participant.username if participant else ""


def room_full() -> Conflict:
    return Conflict(f"This visit already has {max_participants()} participants: the patient and up to "
                    f"{max_participants() - 1} doctors.", code="room_full")


def principal_of(connection: Connection, username: str = "") -> Principal:
    """Who a socket is: its username only when it was opened (a join); the rules read ids and roles."""
    return Principal(connection.user_id, username, roles_from_groups(connection.roles.split(",")))


class SignalingService:
    def __init__(self, registry: ConnectionRegistry, notifier: PeerNotifier, visits: VisitService,
                 rooms: VisitStore, clock: Clock = time.time) -> None:
        self._registry = registry
        self._notifier = notifier
        self._visits = visits
        self._rooms = rooms
        self._clock = clock

    # --- lifecycle --------------------------------------------------------------------------
    def connect(self, connection_id: str, principal: Principal) -> None:
        now = self._clock()
        self._registry.add(
            Connection(
                connection_id=connection_id,
                user_id=principal.user_id,
                username=principal.username,
                roles=",".join(sorted(r.value for r in principal.roles)),
                connected_at=iso(now),
            ),
            now=now,
            ttl_epoch=int(now) + CONNECTION_TTL_SECONDS,
        )

    def disconnect(self, connection_id: str) -> None:
        connection = self._registry.remove(connection_id)  # one delete returns what it was
        if connection and connection.room_id:
            room = self._rooms.get(connection.room_id)
            seat = room.participants.get(connection.user_id) if room else None
            if seat is not None and seat.connection_id not in (None, connection_id):
                # A late $disconnect of a socket already replaced (the person reconnected and resumed):
                # their place belongs to the new socket, which must stay on everyone's member list.
                return
            self._rooms.mark_left(connection.room_id, connection.user_id, iso(self._clock()), reason="disconnected")
            self._broadcast(connection.room_id, connection_id, {
                "type": "participant.left", "participantId": connection.user_id, "reason": "disconnected",
                "resumableForSeconds": RESUME_GRACE_SECONDS,
            })

    # --- actions ----------------------------------------------------------------------------
    def receive(self, connection_id: str, frame: Frame | str | bytes | None) -> None:
        """One incoming frame (raw JSON text, or a Frame the handler already read). A malformed frame
        spends rate budget too, so a flood of them is throttled like any other (each still answered
        with an error frame)."""
        if not isinstance(frame, Frame):
            frame = Frame.read(frame)
        try:
            action, message = frame.validated()
        except DomainError:
            self._registry.charge(connection_id, self._clock())
            raise
        if action == "ping":
            sender = self._registry.heartbeat(connection_id, self._clock())
        else:
            sender = self._registry.charge(connection_id, self._clock())
        if self._grant_ended(sender) and self._detach(sender, "Your access to this case has ended."):
            # Every frame (the 30 s ping included) checks the grant's end stored with the socket: no
            # extra read, so an expired invitation detaches the socket within one heartbeat.
            return
        self._dispatch(sender, action, message)

    def _dispatch(self, sender: Connection, action: str, message: dict[str, Any]) -> None:
        connection_id = sender.connection_id
        if action == "ping":
            reply: dict[str, Any] = {"type": "pong", "serverTime": int(self._clock() * 1000)}
            if "ts" in message:
                reply["ts"] = message["ts"]
            self.reply(connection_id, reply)
        elif action == "join":
            self._join(sender, message["roomId"])
        elif action == "leave":
            self._leave(sender)
        elif action in RELAYED_ACTIONS:
            self._relay(sender, action, message)
        else:  # the schema lookup already refused unknown actions
            raise ValidationError(f"Unknown action '{action}'.", code="unknown_action")

    def _join(self, sender: Connection, room_id: str) -> None:
        # The one place a socket's username is opened (never on a relayed frame).
        principal = principal_of(sender, self._registry.username(sender))
        # NotFound unless the case is theirs; the grant's end (invitations) is stored with the socket.
        room, grant_end = self._visits.room_and_grant_end(principal, room_id)
        if sender.room_id and sender.room_id != room_id:
            raise Conflict("Leave your current visit first.", code="already_in_room")
        role = _role_in(room, principal.user_id)
        participant = Participant(principal.user_id, principal.username, role, iso(self._clock()),
                                  sender.connection_id)
        previous = room.participants.get(principal.user_id)
        room = self._add_participant(room, participant)
        self._registry.set_room(sender.connection_id, room_id, grant_end)
        if previous and previous.connection_id and previous.connection_id != sender.connection_id:
            # Same person on a new socket (reconnect or second tab): the old socket leaves the room.
            self._registry_detach(previous.connection_id)
        # Publish from a fresh (strongly consistent) read taken after this socket stored its room, not
        # from the join's own snapshot: it holds everyone whose place was taken before this read.
        room = self._rooms.get(room_id) or room
        if room.status is not RoomStatus.ACTIVE:
            # The visit ended between taking the place and storing the room on the socket: the end
            # detached the room's sockets before this one said it was in it. An end that writes its
            # status after this read finds the socket in the room and detaches it itself.
            self._registry.set_room(sender.connection_id, None)
            raise Conflict("This visit has not started or has ended.", code="room_not_active")
        others = [m for m in self._publish(room) if m.connection_id != sender.connection_id]
        self.reply(sender.connection_id, {
            "type": "joined", "roomId": room_id, "participantId": principal.user_id,
            "resumed": previous is not None,
            # Roles come from the room's patient, not from this snapshot of participants: someone
            # joining at the same moment may be connected but not yet in the snapshot.
            # Names from the room (opened with it), not from the sockets (whose names stay sealed).
            "participants": [{"participantId": m.user_id, "username": _name_in(room, m.user_id),
                              "role": _role_in(room, m.user_id)}
                             for m in others],
        })
        frame = {"type": "participant.joined", "participantId": principal.user_id,
                 "username": principal.username, "role": role, "resumed": previous is not None}
        for member in others:
            self._notifier.send(member.connection_id, frame)

    def _add_participant(self, room: Room, participant: Participant) -> Room:
        if room.status is not RoomStatus.ACTIVE:
            # Never prune a waiting or ended room: an ended room's participants are its record.
            raise Conflict("This visit has not started or has ended.", code="room_not_active")
        try:
            return self._rooms.add_participant(room.room_id, participant, max_participants())
        except Conflict:
            pass
        # Free places held by people who dropped longer ago than the grace period, then retry once.
        cutoff = iso(self._clock() - RESUME_GRACE_SECONDS)
        stale = [p for p in room.participants.values() if p.left_at and p.left_at < cutoff]
        for p in stale:
            self._rooms.remove_participant(room.room_id, p.user_id)
        if not stale:
            current = self._rooms.get(room.room_id)
            if current is not None and current.status.value != "active":
                raise Conflict("This visit has not started or has ended.", code="room_not_active")
            raise room_full()
        try:
            return self._rooms.add_participant(room.room_id, participant, max_participants())
        except Conflict:
            raise room_full() from None

    def _leave(self, sender: Connection) -> None:
        if not sender.room_id:
            raise Conflict("You are not in a visit.", code="not_in_room")
        # Leaving frees the place; the room's attendance log keeps that they took part.
        self._rooms.mark_left(sender.room_id, sender.user_id, iso(self._clock()), reason="left")
        self._rooms.remove_participant(sender.room_id, sender.user_id)
        self._registry.set_room(sender.connection_id, None)
        self.reply(sender.connection_id, {"type": "left", "roomId": sender.room_id})
        self._broadcast(sender.room_id, sender.connection_id,
                        {"type": "participant.left", "participantId": sender.user_id, "reason": "left"})

    def _relay(self, sender: Connection, action: str, message: dict[str, Any]) -> None:
        if not sender.room_id:
            raise Conflict("Join a visit before signaling.", code="not_in_room")
        target = message.get("to")
        payload = {k: v for k, v in message.items() if k not in ("action", "to", "ref")}
        frame = {"type": action, "from": sender.user_id, **payload}
        delivered = 0
        # The members came with the sender's item from the rate-budget write: no read here.
        for member in sender.members:
            if member.connection_id == sender.connection_id or (target and member.user_id != target):
                continue
            end = member.grant_expires_at_epoch
            if end is not None and end <= self._clock():
                # The list says this peer's grant has ended: read its item (once; a detach or an
                # extension republishes the list). Nothing reaches a socket whose grant has ended.
                stored = self._registry.get(member.connection_id)
                if stored is None or stored.room_id != sender.room_id:
                    self._registry.drop_member(sender.connection_id, sender.room_id, member.connection_id)
                    continue
                if self._grant_ended(stored) and self._detach(stored, "Your access to this case has ended."):
                    continue
            if self._notifier.send(member.connection_id, frame):
                delivered += 1
            else:  # gone (the notifier removed its item): heal the sender's list too
                self._registry.drop_member(sender.connection_id, sender.room_id, member.connection_id)
        if target and delivered == 0:
            raise NotFound("That participant is not in the visit.", code="peer_not_found")

    # --- grants that end --------------------------------------------------------------------
    def end_case_access(self, case_id: str, user_id: str) -> int:
        """A doctor's grant on the case was revoked: detach their sockets from the case's visits now
        (an error frame `grant_ended`, their place freed, the others told, the socket closed). How many
        were detached.

        Their sockets come from two places: byUser (one Query), and the participant entries of the
        case's newest visits, read strongly consistent. byUser is a GSI and lags its table (usually
        well under a second), so a socket that joined a moment ago may be missing there or show no
        room; the room's own entry names it. Each candidate is then read from the table itself."""
        candidates = {socket.connection_id for socket in self._registry.of_user(user_id)}
        rooms: dict[str, Room | None] = {}
        # A case's visits newest first; one in progress is among the newest few (a visit is asked
        # for, admitted and ended before the next), so 5 covers it with room to spare.
        for listed in self._rooms.for_case(case_id, limit=5):
            if listed.status is RoomStatus.ENDED:
                continue
            room = rooms[listed.room_id] = self._rooms.get(listed.room_id)
            place = room.participants.get(user_id) if room is not None else None
            if place is not None and place.connection_id:
                candidates.add(place.connection_id)
        detached = 0
        for connection_id in sorted(candidates):
            connection = self._registry.get(connection_id)
            if connection is None or not connection.room_id:
                continue
            if connection.room_id not in rooms:
                rooms[connection.room_id] = self._rooms.get(connection.room_id)
            room = rooms[connection.room_id]
            if room is not None and room.case_id == case_id:
                self._detach(connection, "Your access to this case was ended by its doctor.", checked=True)
                detached += 1
        return detached

    def _grant_ended(self, connection: Connection) -> bool:
        end = connection.grant_expires_at_epoch
        return bool(connection.room_id) and end is not None and end <= self._clock()

    def _detach(self, connection: Connection, message: str, checked: bool = False) -> bool:
        """Detach the socket from its room and close it; False if the grant turned out to be extended
        (then the new end is stored and nothing else changes)."""
        room_id = connection.room_id
        if not room_id:
            return False
        if not checked:
            # The stored end may be stale: the invitation may have been extended since the join. This
            # read happens once per socket when its stored end passes, not on every frame.
            room = self._rooms.get(room_id)
            until = self._visits.access_until(principal_of(connection), room.case_id) if room else None
            if until is not None and until > self._clock():
                with contextlib.suppress(NotFound):
                    self._registry.set_room(connection.connection_id, room_id,
                                            None if until == float("inf") else int(until))
                    if room is not None:
                        self._publish(room)  # the peers' lists carry the new end from now on
                return False
        try:
            self._registry.set_room(connection.connection_id, None)
        except NotFound:
            return True
        self._rooms.mark_left(room_id, connection.user_id, iso(self._clock()), reason="grant_ended")
        self._rooms.remove_participant(room_id, connection.user_id)
        self._notifier.send(connection.connection_id, error_frame("grant_ended", message))
        self._broadcast(room_id, connection.connection_id,
                        {"type": "participant.left", "participantId": connection.user_id, "reason": "grant_ended"})
        self._notifier.disconnect(connection.connection_id)
        return True

    # --- plumbing ---------------------------------------------------------------------------
    def reply(self, connection_id: str, message: dict[str, Any]) -> None:
        self._notifier.send(connection_id, message)

    def _broadcast(self, room_id: str, sender_connection: str, frame: dict[str, Any]) -> None:
        """After someone left: publish the room's new member list, then tell those members."""
        room = self._rooms.get(room_id)
        for member in self._publish(room) if room is not None else []:
            if member.connection_id != sender_connection:
                self._notifier.send(member.connection_id, frame)

    def _publish(self, room: Room) -> list[Connection]:
        """Store the room's member list on every member's item; the members' connections.

        Members are the participants with a socket who have not left, whose item still exists and is
        in this room (or about to be: a concurrent join stores its room just before it publishes)."""
        live: list[Connection] = []
        for _ in range(PUBLISH_ATTEMPTS):
            wanted = [p.connection_id for p in room.participants.values() if p.connection_id and not p.left_at]
            live = [c for c in self._registry.many(wanted) if c.room_id in (None, room.room_id)]
            members = [Member(c.connection_id, c.user_id, c.grant_expires_at_epoch) for c in live]
            version = len(room.attendance)
            refused = [c for c in live
                       if not self._registry.publish_members(c.connection_id, room.room_id, version, members)]
            if not refused:
                break
            newer = self._rooms.get(room.room_id)
            if newer is None or len(newer.attendance) <= version:
                break  # refused for another reason (gone, moved on): nothing newer to publish
            room = newer
        return live

    def _registry_detach(self, connection_id: str) -> None:
        try:
            self._registry.set_room(connection_id, None)
        except NotFound:
            return
        self._notifier.send(connection_id, {"type": "session.replaced"})


class UserFanout:
    """Tells a user something live on every socket they have open (their doctor desk, their phone)."""

    def __init__(self, registry: ConnectionRegistry, notifier: PeerNotifier) -> None:
        self._registry = registry
        self._notifier = notifier

    def notify_user(self, user_id: str, message: dict[str, Any]) -> int:
        return sum(1 for s in self._registry.of_user(user_id) if self._notifier.send(s.connection_id, message))

    def close_room(self, room_id: str, connection_ids: Iterable[str] = ()) -> None:
        """Detach every socket from an ended room, so nothing more is relayed in it.

        byRoom is a GSI, eventually consistent: a socket that joined in the last second may be missing
        from it and one that moved on may still be listed. So the sockets the ended room's participants
        name (`connection_ids`, from the ending write) count too, and only a socket whose item (read
        strongly consistent) is in this room is detached, never one now in another room."""
        candidates = sorted(set(self._registry.in_room(room_id)) | set(connection_ids))
        for connection in self._registry.many(candidates):
            if connection.room_id != room_id:
                continue
            try:
                self._registry.set_room(connection.connection_id, None)
            except NotFound:
                continue
