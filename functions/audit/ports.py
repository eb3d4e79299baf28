"""Ports of the audit trail: the append-only chain store and the anchor store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from functions.audit.chain import Anchor, AuditEntry, ChainHead
from functions.shared.errors import Conflict
from functions.shared.transact import TransactItem


class HeadMoved(Exception):  # a retry signal: never leaves the audit service
    """Another append took the entry's sequence number: read the chain's tail again and retry."""


class StagedWriteRejected(Conflict):
    """A write committed together with an audit entry failed its own condition; nothing was written."""

    default_code = "write_conflict"

    def __init__(self, labels: Sequence[str]) -> None:
        super().__init__("The change conflicts with the stored data.")
        self.labels = tuple(labels)


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    cursor: str | None


@dataclass(frozen=True)
class AuditFilter:
    """Which of a patient's entries the operations screen asks for (each None: any)."""

    actor_id: str | None = None
    action: str | None = None
    outcome: str | None = None


class AuditStore(Protocol):
    def tail(self, chain: str) -> ChainHead | None:
        """The chain's last entry (seq and hash), read consistently; None for an empty chain."""
        ...

    def heads(self, chains: Sequence[str]) -> dict[str, ChainHead]:
        """The chains' head markers: the last entry as of the last completed append (never ahead)."""
        ...

    def commit(self, entry: AuditEntry, staged: Sequence[TransactItem] = ()) -> None:
        """Write `entry` if its sequence number is free, atomically with `staged`; then move the head.

        HeadMoved if the number is taken (another append won); StagedWriteRejected if a staged
        item's own condition failed (then nothing at all was written).
        """
        ...

    def entries(self, chain: str, after_seq: int = 0) -> Iterator[AuditEntry]:
        """The chain in sequence order, as stored (for verification)."""
        ...

    def for_patient(self, patient_id: str, limit: int, cursor: str | None,
                    only: AuditFilter | None = None) -> AuditPage:
        """A patient's entries, newest first, one page at a time (of `limit` read: with `only`, a page
        may hold fewer, and the cursor still moves on)."""
        ...


class AnchorStore(Protocol):
    def put(self, anchor: Anchor) -> str:
        """Write the anchor (write-once storage); returns its key."""
        ...

    def all(self) -> Iterator[Anchor]:
        """Every anchor ever written, oldest first."""
        ...


class EntryAuthenticator(Protocol):
    """A keyed MAC over entry hashes (KMS HMAC): appenders may make one, the verifier checks it."""

    def mac(self, message: bytes) -> str:
        """The MAC of `message`, base64."""
        ...

    def valid(self, message: bytes, mac: str) -> bool:
        """Whether `mac` is the key's MAC of `message` (False for a forged or mangled one)."""
        ...
