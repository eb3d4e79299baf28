"""Lagging byRoom and byUser indexes, as DynamoDB's global secondary indexes are: eventually consistent.

moto updates an index in the same call as the table, so a Query on byRoom always sees the latest
rooms; DynamoDB propagates a write to a GSI asynchronously (usually well under a second). This shim
replays that: every change of a connection's room (connect, join, leave, delete) becomes visible on
byRoom only `lag` seconds after it was written, `lag` drawn per write from [low, high]; until then a
Query on byRoom answers as it would have before the write (a new member is missing, a gone or moved
one is still listed). byUser lags the same writes: a socket connected within the lag is not listed
yet, and a listed one shows the room it was in before. It wraps the app's connections registry (the
only reader of both indexes) in this process and counts the Queries, so a run also shows which paths
read an index at all.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from functions.signaling.adapters import DynamoConnectionRegistry
from functions.signaling.ports import Connection, Socket


@dataclass
class LagLog:
    low: float
    high: float
    clock: Callable[[], float] = time.monotonic
    queries: int = 0  # on byRoom
    user_queries: int = 0  # on byUser
    hidden: int = 0  # index entries a Query left out or kept because of the lag
    # connection id -> [(visible from, room id or None)], in write order
    _history: dict[str, list[tuple[float, str | None]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wrote(self, connection_id: str, room_id: str | None) -> None:
        with self._lock:
            entries = self._history.setdefault(connection_id, [])
            # A later write is never visible before an earlier one (the index applies them in order).
            floor = entries[-1][0] if entries else 0.0
            entries.append((max(floor, self.clock() + random.uniform(self.low, self.high)), room_id))

    def visible_room(self, connection_id: str, current: str | None) -> tuple[str | None, bool]:
        """The room byRoom shows for this connection now; whether that differs from `current`."""
        now = self.clock()
        with self._lock:
            entries = self._history.get(connection_id)
            if not entries or entries[-1][0] <= now:
                return current, False
            shown = None  # before its first write is visible, the index has no entry at all
            for visible_from, room_id in entries:
                if visible_from <= now:
                    shown = room_id
            return shown, shown != current

    def lagged(self, room_id: str, current: list[str]) -> list[str]:
        """What a Query on byRoom for `room_id` answers, given the index's up-to-date answer."""
        with self._lock:
            self.queries += 1
            candidates = set(current) | set(self._history)
        answer = []
        for connection_id in sorted(candidates):
            actual = room_id if connection_id in current else None
            shown, differs = self.visible_room(connection_id, actual)
            if differs:
                with self._lock:
                    self.hidden += 1
            if shown == room_id:
                answer.append(connection_id)
        return answer


    def lagged_sockets(self, current: list[Socket]) -> list[Socket]:
        """What a Query on byUser answers, given the index's up-to-date answer."""
        now = self.clock()
        with self._lock:
            self.user_queries += 1
        answer = []
        for socket in current:
            with self._lock:
                entries = self._history.get(socket.connection_id)
                unseen = entries is not None and bool(entries) and entries[0][0] > now  # connect not visible yet
            if unseen:
                with self._lock:
                    self.hidden += 1
                continue
            shown, differs = self.visible_room(socket.connection_id, socket.room_id)
            if differs:
                with self._lock:
                    self.hidden += 1
            answer.append(Socket(socket.connection_id, shown))
        return answer


@contextmanager
def lagging_indexes(low: float, high: float, clock: Callable[[], float] = time.monotonic) -> Iterator[LagLog]:
    """Patch DynamoConnectionRegistry (every instance in this process) for the duration."""
    log = LagLog(low, high, clock)
    original: dict[str, Any] = {name: getattr(DynamoConnectionRegistry, name)
                                for name in ("add", "set_room", "remove", "in_room", "of_user")}

    def add(self: DynamoConnectionRegistry, connection: Connection, now: float, ttl_epoch: int) -> None:
        original["add"](self, connection, now, ttl_epoch)
        log.wrote(connection.connection_id, connection.room_id)

    def set_room(self: DynamoConnectionRegistry, connection_id: str, room_id: str | None,
                 grant_expires_at_epoch: int | None = None) -> None:
        original["set_room"](self, connection_id, room_id, grant_expires_at_epoch)
        log.wrote(connection_id, room_id)

    def remove(self: DynamoConnectionRegistry, connection_id: str) -> Connection | None:
        gone: Connection | None = original["remove"](self, connection_id)
        log.wrote(connection_id, None)
        return gone

    def in_room(self: DynamoConnectionRegistry, room_id: str) -> list[str]:
        return log.lagged(room_id, original["in_room"](self, room_id))

    def of_user(self: DynamoConnectionRegistry, user_id: str) -> list[Socket]:
        return log.lagged_sockets(original["of_user"](self, user_id))

    patches = {"add": add, "set_room": set_room, "remove": remove, "in_room": in_room, "of_user": of_user}
    for name, function in patches.items():
        setattr(DynamoConnectionRegistry, name, function)
    try:
        yield log
    finally:
        for name, function in original.items():
            setattr(DynamoConnectionRegistry, name, function)
