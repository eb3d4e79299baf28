"""The backup service over in-memory stores: fingerprints ignore order and see any change; a snapshot
round-trips; a snapshot with a damaged object is refused before anything is written."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from functions.backup.ports import RawItem
from functions.backup.service import BackupService, StackNames
from functions.shared.errors import ValidationError


class Tables:
    def __init__(self) -> None:
        self.items: dict[str, list[RawItem]] = {}

    def scan(self, table: str) -> Iterator[RawItem]:
        yield from self.items.get(table, [])

    def put_all(self, table: str, items: Iterable[RawItem]) -> int:
        written = list(items)
        self.items.setdefault(table, []).extend(written)
        return len(written)


class Objects:
    def __init__(self) -> None:
        self.data: dict[str, dict[str, bytes]] = {}

    def keys(self, bucket: str) -> Iterator[str]:
        yield from self.data.get(bucket, {})

    def get(self, bucket: str, key: str) -> bytes:
        return self.data[bucket][key]

    def put(self, bucket: str, key: str, body: bytes) -> None:
        self.data.setdefault(bucket, {})[key] = body


SOURCE = StackNames("src-", {"images": "src-images"})
TARGET = StackNames("dst-", {"images": "dst-images"})


def _stack() -> tuple[Tables, Objects, BackupService]:
    tables, objects = Tables(), Objects()
    tables.items["src-cases"] = [{"caseId": {"S": f"c{n}"}, "sealed": {"B": "AAEC"}} for n in range(3)]
    objects.data["src-images"] = {"cases/c1/p/full.jpg": b"\xff\xd8full", "cases/c1/p/thumb.jpg": b"\xff\xd8t"}
    return tables, objects, BackupService(tables, objects, ["cases"])


def test_a_fingerprint_ignores_order_and_sees_any_change() -> None:
    tables, objects, backup = _stack()
    first = backup.fingerprint(SOURCE)
    tables.items["src-cases"].reverse()
    assert backup.fingerprint(SOURCE).differences(first) == []
    tables.items["src-cases"][0]["sealed"] = {"B": "AAED"}
    assert backup.fingerprint(SOURCE).differences(first) == [
        f"table cases: {backup.fingerprint(SOURCE).tables['cases']} != {first.tables['cases']}"]
    objects.data["src-images"]["cases/c1/p/thumb.jpg"] = b"\xff\xd8T"
    assert len(backup.fingerprint(SOURCE).differences(first)) == 2


def test_a_snapshot_round_trips_into_another_stack(tmp_path: Path) -> None:
    _, _, backup = _stack()
    exported = backup.export(SOURCE, tmp_path / "snap")
    backup.load(tmp_path / "snap", TARGET)
    assert backup.fingerprint(TARGET).differences(exported) == []
    assert (exported.items, exported.objects) == (3, 2)


def test_a_damaged_object_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    tables, objects, backup = _stack()
    backup.export(SOURCE, tmp_path / "snap")
    data = next((tmp_path / "snap" / "buckets" / "images" / "data").iterdir())
    data.write_bytes(data.read_bytes() + b"!")
    with pytest.raises(ValidationError) as refused:
        backup.load(tmp_path / "snap", TARGET)
    assert refused.value.code == "snapshot_corrupt"
    assert "dst-cases" not in tables.items and "dst-images" not in objects.data
