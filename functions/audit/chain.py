"""The hash chain of the audit trail. Pure: entries, their hashes, and verification.

Each entry holds the hash of the entry before it (`prevHash`), and its own `hash` is SHA-256 over
the canonical JSON of everything else in it (sorted keys, no whitespace, UTF-8). Changing any
field of a stored entry breaks its hash; removing or reordering entries breaks the sequence or a
link; rewriting a whole chain consistently is caught by the heads anchored in S3 Object Lock,
which nobody (not even the account root) can change during the retention period.

The trail is split into a fixed number of chains (`chain_for`): one chain would make every audited
request in the system queue on one head item. A patient's entries always go to the same chain, so
each patient's history is in one order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

GENESIS_HASH = "0" * 64
ENTRY_FORMAT = 1
MAX_CHAINS = 100


class Outcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"  # no right to the case (answered as not found)
    NOT_FOUND = "not_found"  # the case or record does not exist
    CONFLICT = "conflict"  # a stale version or a retracted entry: nothing was changed


@dataclass(frozen=True)
class AuditEvent:
    """What happened, as the capability reports it (no clinical content: ids and codes only)."""

    actor_id: str
    role: str
    action: str  # e.g. "record.read", "record.amend", "audit.query"
    resource_type: str  # "record", "case", "patient"
    resource_id: str
    outcome: Outcome
    patient_id: str = ""
    case_id: str = ""
    resource_ids: tuple[str, ...] = ()  # every record disclosed by a list or an export
    request_id: str = ""
    source_ip: str = ""


@dataclass(frozen=True)
class AuditEntry:
    chain: str
    seq: int
    prev_hash: str
    at: str  # ISO-8601 UTC with microseconds
    event: AuditEvent
    hash: str = ""
    format: int = ENTRY_FORMAT
    # A KMS HMAC over `hash` (base64), made by the appending functions' key. The hash alone can be
    # recomputed by anyone who can write the table; the MAC only by whoever may call GenerateMac.
    # Not part of the hashed body: entries written before MACs existed keep their hashes.
    mac: str = ""

    def body(self) -> dict[str, Any]:
        """Everything the hash covers (everything but the hash)."""
        event = self.event
        return {
            "v": self.format,
            "chain": self.chain,
            "seq": self.seq,
            "prevHash": self.prev_hash,
            "at": self.at,
            "actorId": event.actor_id,
            "role": event.role,
            "action": event.action,
            "resourceType": event.resource_type,
            "resourceId": event.resource_id,
            "resourceIds": list(event.resource_ids),
            "caseId": event.case_id,
            "patientId": event.patient_id,
            "requestId": event.request_id,
            "sourceIp": event.source_ip,
            "outcome": event.outcome.value,
        }


@dataclass(frozen=True)
class ChainHead:
    chain: str
    seq: int
    hash: str


@dataclass(frozen=True)
class Anchor:
    """The heads of every chain at one moment, as written to the Object Lock bucket."""

    at: str
    heads: dict[str, ChainHead]
    key: str = ""  # where it is stored, once stored
    # The store found more than one version under this anchor's key: someone PUT it again. Object
    # Lock keeps the first version, but a reader of the current version alone would trust the last.
    overwritten: bool = False

    def document(self) -> dict[str, Any]:
        return {
            "format": ENTRY_FORMAT,
            "at": self.at,
            "chains": {name: {"seq": h.seq, "hash": h.hash} for name, h in sorted(self.heads.items())},
        }

    @classmethod
    def from_document(cls, document: Mapping[str, Any], key: str = "") -> Anchor:
        chains = document.get("chains") or {}
        heads = {str(name): ChainHead(str(name), int(v["seq"]), str(v["hash"])) for name, v in chains.items()}
        return cls(at=str(document.get("at", "")), heads=heads, key=key)


def canonical(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical(entry.body())).hexdigest()


def chain_names(count: int) -> list[str]:
    if not 1 <= count <= MAX_CHAINS:
        raise ValueError(f"the audit trail has 1 to {MAX_CHAINS} chains")
    return [f"c{index:02d}" for index in range(count)]


def chain_for(key: str, count: int) -> str:
    """The chain an entry about `key` (a patient id, else the actor) goes to; stable for a count."""
    digest = hashlib.sha256(key.encode()).digest()
    return chain_names(count)[int.from_bytes(digest[:8], "big") % count]


def next_entry(chain: str, head: ChainHead | None, event: AuditEvent, at: str) -> AuditEntry:
    """The entry that follows `head` (or starts the chain), with its hash."""
    seq = head.seq + 1 if head else 1
    entry = AuditEntry(chain=chain, seq=seq, prev_hash=head.hash if head else GENESIS_HASH, at=at, event=event)
    return AuditEntry(chain, seq, entry.prev_hash, at, event, entry_hash(entry))


class Problem(StrEnum):
    MISSING = "missing"  # a sequence number is absent: an entry was removed
    OUT_OF_ORDER = "out_of_order"  # entries are not in sequence order
    ALTERED = "altered"  # the stored hash does not match the entry's content
    BROKEN_LINK = "broken_link"  # prevHash is not the previous entry's hash (removed, reordered, rewritten)
    MISPLACED = "misplaced"  # an entry of another chain
    HEAD_MISMATCH = "head_mismatch"  # the head marker names an entry that is gone or different (tail removed)
    ANCHOR_MISMATCH = "anchor_mismatch"  # an anchored hash differs: the chain was rewritten
    TRUNCATED = "truncated"  # an anchored entry is gone
    HEAD_MISSING = "head_missing"  # entries but no head marker: the tail and its marker were removed
    ANCHOR_OVERWRITTEN = "anchor_overwritten"  # an anchor key holds more than one version
    UNAUTHENTICATED = "unauthenticated"  # the MAC is missing (after the cut-over) or does not verify


@dataclass
class ChainReport:
    chain: str
    entries: int = 0
    head_seq: int = 0
    anchors_checked: int = 0
    legacy: int = 0  # entries written before MACs, accepted up to the cut-over
    first_bad_seq: int | None = None
    problem: Problem | None = None
    detail: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None

    def view(self) -> dict[str, Any]:
        view: dict[str, Any] = {"chain": self.chain, "ok": self.ok, "entries": self.entries,
                                "anchorsChecked": self.anchors_checked}
        if self.legacy:
            view["legacyEntries"] = self.legacy
        if self.notes:
            view["notes"] = list(self.notes)
        if not self.ok:
            view.update({"firstBadSeq": self.first_bad_seq, "problem": str(self.problem), "detail": self.detail})
        return view


def verify_chain(chain: str, entries: Iterable[AuditEntry], head: ChainHead | None,
                 anchors: Iterable[Anchor] = (), *, mac_valid: Callable[[AuditEntry], bool] | None = None,
                 mac_since: str = "") -> ChainReport:
    """Walk one chain in sequence order; report the first entry that is not what was appended.

    `head` is the chain's head marker: it names the last entry as of the last completed append, so
    it may lag the chain by an append in flight, but an entry it names must exist and match.
    Anchors are the same kind of checkpoint, kept where nobody can change them.
    With `mac_valid`, every entry must carry a valid MAC, except legacy entries written before the
    cut-over: before `mac_since` (an ISO time) and before the chain's first MAC'd entry (once a
    chain has MACs, an entry without one is a forgery, whatever its time says).
    """
    anchored: dict[int, str] = {}
    report = ChainReport(chain)
    for anchor in anchors:
        anchored_head = anchor.heads.get(chain)
        if anchor.overwritten:
            # Anchors are written once under a fresh key; a second version is a forgery attempt,
            # and which version is true cannot be told from the versions alone.
            return _bad(report, anchored_head.seq if anchored_head else 0, Problem.ANCHOR_OVERWRITTEN,
                        f"anchor {anchor.key} was written more than once")
        if anchored_head and anchored_head.seq > 0:
            if anchored.setdefault(anchored_head.seq, anchored_head.hash) != anchored_head.hash:
                return _bad(report, anchored_head.seq, Problem.ANCHOR_MISMATCH, "two anchors disagree")
            report.anchors_checked += 1

    expected_seq, previous_hash, macs_began = 1, GENESIS_HASH, False
    for entry in entries:
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                return _bad(report, expected_seq, Problem.MISSING, f"next entry found is {entry.seq}")
            return _bad(report, entry.seq, Problem.OUT_OF_ORDER, f"expected {expected_seq}")
        if entry.chain != chain:
            return _bad(report, entry.seq, Problem.MISPLACED, f"entry belongs to {entry.chain}")
        if entry_hash(entry) != entry.hash:
            return _bad(report, entry.seq, Problem.ALTERED, "content does not match its hash")
        if entry.prev_hash != previous_hash:
            return _bad(report, entry.seq, Problem.BROKEN_LINK, "prevHash is not the previous entry's hash")
        if mac_valid is not None:
            if entry.mac:
                if not mac_valid(entry):
                    return _bad(report, entry.seq, Problem.UNAUTHENTICATED, "the MAC does not verify")
                macs_began = True
            elif macs_began or (mac_since and entry.at >= mac_since):
                return _bad(report, entry.seq, Problem.UNAUTHENTICATED, "no MAC after the cut-over")
            else:
                report.legacy += 1
        if anchored.get(entry.seq, entry.hash) != entry.hash:
            return _bad(report, entry.seq, Problem.ANCHOR_MISMATCH, "differs from the anchored hash")
        if head is not None and head.seq == entry.seq and head.hash != entry.hash:
            return _bad(report, entry.seq, Problem.HEAD_MISMATCH, "differs from the head marker's hash")
        report.entries += 1
        previous_hash = entry.hash
        expected_seq += 1

    last_seq = expected_seq - 1
    if head is not None:
        report.head_seq = head.seq
        if head.seq > last_seq:
            return _bad(report, last_seq + 1, Problem.HEAD_MISMATCH,
                        f"head marker says {head.seq}, chain ends at {last_seq}")
        if head.seq < last_seq:
            report.notes.append(f"head marker lags by {last_seq - head.seq} (an append in flight or interrupted)")
    elif last_seq:
        # The marker is written after the chain's first entry and never removed by the application:
        # its absence means the end of the chain (marker included) may have been cut away.
        return _bad(report, last_seq + 1, Problem.HEAD_MISSING, f"entries up to {last_seq} but no head marker")
    if anchored and max(anchored) > last_seq:
        return _bad(report, last_seq + 1, Problem.TRUNCATED, f"anchored up to {max(anchored)}")
    return report


def _bad(report: ChainReport, seq: int, problem: Problem, detail: str) -> ChainReport:
    report.first_bad_seq, report.problem, report.detail = seq, problem, detail
    return report
