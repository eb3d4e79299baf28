"""Export a stack's data to a snapshot directory, load a snapshot into another stack's (empty) tables and
buckets, and fingerprint a stack: per table its item count and a SHA-256 over its items, per bucket its
object count and a SHA-256 over (key, content hash). Two stacks with equal fingerprints hold the same
bytes, whatever order a Scan returned them in.

A snapshot holds items as stored: sealed fields stay sealed (they open only with the same KMS key, so a
restore goes into the same account), but usernames and ids are in it: keep it encrypted and private.
In AWS, point-in-time recovery and S3 versions are the backups (README, "Backup and restore"); this is how a
restore is proven, and how data moves between local stacks."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from functions.backup.ports import ObjectStore, RawItem, TableStore
from functions.shared.errors import ValidationError

FORMAT = 1


@dataclass(frozen=True)
class StackNames:
    """Where one stack keeps its data: the table name prefix and its buckets by role."""

    table_prefix: str
    buckets: Mapping[str, str] = field(default_factory=dict)

    def table(self, logical_name: str) -> str:
        return f"{self.table_prefix}{logical_name}"


@dataclass(frozen=True)
class Fingerprint:
    tables: Mapping[str, tuple[int, str]]
    buckets: Mapping[str, tuple[int, str]]

    def differences(self, other: Fingerprint) -> list[str]:
        found = [f"table {name}: {self.tables.get(name)} != {other.tables.get(name)}"
                 for name in sorted(set(self.tables) | set(other.tables))
                 if self.tables.get(name) != other.tables.get(name)]
        found += [f"bucket {role}: {self.buckets.get(role)} != {other.buckets.get(role)}"
                  for role in sorted(set(self.buckets) | set(other.buckets))
                  if self.buckets.get(role) != other.buckets.get(role)]
        return found

    def view(self) -> dict[str, Any]:
        return {"format": FORMAT,
                "tables": {name: {"items": n, "sha256": digest} for name, (n, digest) in sorted(self.tables.items())},
                "buckets": {role: {"objects": n, "sha256": digest}
                            for role, (n, digest) in sorted(self.buckets.items())}}

    @classmethod
    def from_view(cls, view: Mapping[str, Any]) -> Fingerprint:
        if view.get("format") != FORMAT:
            raise ValidationError("This snapshot's format is not one this version reads.", code="snapshot_format")
        return cls({name: (int(v["items"]), str(v["sha256"])) for name, v in view["tables"].items()},
                   {role: (int(v["objects"]), str(v["sha256"])) for role, v in view["buckets"].items()})

    @property
    def items(self) -> int:
        return sum(n for n, _ in self.tables.values())

    @property
    def objects(self) -> int:
        return sum(n for n, _ in self.buckets.values())


def _line(item: RawItem) -> str:
    return json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest(lines: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _object_line(key: str, body_sha256: str) -> str:
    return json.dumps({"key": key, "sha256": body_sha256}, sort_keys=True, separators=(",", ":"))


class BackupService:
    def __init__(self, tables: TableStore, objects: ObjectStore, logical_tables: Sequence[str]) -> None:
        self._tables = tables
        self._objects = objects
        self._logical_tables = tuple(logical_tables)

    def fingerprint(self, names: StackNames) -> Fingerprint:
        tables = {}
        for logical in self._logical_tables:
            lines = sorted(_line(item) for item in self._tables.scan(names.table(logical)))
            tables[logical] = (len(lines), _digest(lines))
        buckets = {}
        for role, bucket in names.buckets.items():
            lines = sorted(_object_line(key, hashlib.sha256(self._objects.get(bucket, key)).hexdigest())
                           for key in self._objects.keys(bucket))
            buckets[role] = (len(lines), _digest(lines))
        return Fingerprint(tables, buckets)

    def export(self, names: StackNames, into: Path) -> Fingerprint:
        """Write the snapshot (tables as sorted DynamoDB JSON lines, objects by content hash) and its
        manifest, which is the stack's fingerprint at the time of reading."""
        if into.exists() and any(into.iterdir()):
            raise ValidationError("The snapshot directory is not empty.", code="snapshot_exists")
        into.mkdir(mode=0o700, parents=True, exist_ok=True)
        (into / "tables").mkdir(mode=0o700)
        tables = {}
        for logical in self._logical_tables:
            lines = sorted(_line(item) for item in self._tables.scan(names.table(logical)))
            (into / "tables" / f"{logical}.jsonl").write_text("".join(f"{line}\n" for line in lines))
            tables[logical] = (len(lines), _digest(lines))
        buckets = {}
        for role, bucket in names.buckets.items():
            data = into / "buckets" / role / "data"
            data.mkdir(mode=0o700, parents=True)
            lines = []
            for key in self._objects.keys(bucket):
                body = self._objects.get(bucket, key)
                body_sha256 = hashlib.sha256(body).hexdigest()
                (data / body_sha256).write_bytes(body)
                lines.append(_object_line(key, body_sha256))
            lines.sort()
            (into / "buckets" / role / "index.jsonl").write_text("".join(f"{line}\n" for line in lines))
            buckets[role] = (len(lines), _digest(lines))
        fingerprint = Fingerprint(tables, buckets)
        manifest = into / "manifest.json"
        manifest.write_text(json.dumps(fingerprint.view(), indent=2))
        os.chmod(manifest, 0o600)
        return fingerprint

    def load(self, snapshot: Path, names: StackNames) -> Fingerprint:
        """Write a snapshot into another stack's empty tables and buckets. Every file is checked against
        the manifest first: a damaged snapshot is refused before anything is written."""
        manifest = snapshot / "manifest.json"
        if not manifest.is_file():
            raise ValidationError("No manifest.json: not a snapshot.", code="snapshot_invalid")
        expected = Fingerprint.from_view(json.loads(manifest.read_text()))
        tables: dict[str, list[str]] = {}
        for logical, (count, digest) in expected.tables.items():
            lines = (snapshot / "tables" / f"{logical}.jsonl").read_text().splitlines()
            if (len(lines), _digest(lines)) != (count, digest):
                raise ValidationError(f"The snapshot's table {logical} does not match its manifest.",
                                      code="snapshot_corrupt")
            tables[logical] = lines
        objects: dict[str, list[dict[str, str]]] = {}
        for role, (count, digest) in expected.buckets.items():
            if role not in names.buckets:
                raise ValidationError(f"No bucket named for the snapshot's {role}.", code="snapshot_target")
            lines = (snapshot / "buckets" / role / "index.jsonl").read_text().splitlines()
            entries = [json.loads(line) for line in lines]
            if (len(lines), _digest(lines)) != (count, digest) or any(
                    hashlib.sha256((snapshot / "buckets" / role / "data" / e["sha256"]).read_bytes()).hexdigest()
                    != e["sha256"] for e in entries):
                raise ValidationError(f"The snapshot's bucket {role} does not match its manifest.",
                                      code="snapshot_corrupt")
            objects[role] = entries
        for logical, lines in tables.items():
            self._tables.put_all(names.table(logical), (json.loads(line) for line in lines))
        for role, entries in objects.items():
            for entry in entries:
                body = (snapshot / "buckets" / role / "data" / entry["sha256"]).read_bytes()
                self._objects.put(names.buckets[role], entry["key"], body)
        return expected
