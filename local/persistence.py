"""Keeps the developer's local data across restarts: snapshots of moto's state in the data folder.

moto keeps everything in memory, so the stack saves DynamoDB items, S3 objects and Cognito users
to `<data>/state/` every 30 s and on shutdown, and puts them back on the next start. Not kept:
older S3 object versions, KMS key material (random per moto process; see local/provision.py),
refresh tokens (sign in again after a restart). Snapshots are not transactional: a write racing
a snapshot lands in the next one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from local.moto_aws import aws_client, cognito_backend

log = logging.getLogger("local")

FORMAT_VERSION = 1
SNAPSHOT_INTERVAL_SECONDS = 30.0


@dataclass(frozen=True)
class Target:
    """Where a snapshot is taken from and restored to (names change with the environment)."""

    endpoint: str
    region: str
    account_id: str
    table_names: dict[str, str]  # logical -> physical
    user_pool_id: str


@dataclass(frozen=True)
class RestoreReport:
    items: int
    objects: int
    users: int

    def __str__(self) -> str:
        return f"{self.items} database items, {self.objects} files, {self.users} users"


class StateStore:
    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "state"
        self._lock = threading.Lock()
        self._last_written: dict[str, str] = {}

    @property
    def exists(self) -> bool:
        return (self.dir / "cognito.json").is_file() or (self.dir / "dynamodb.json").is_file()

    def discard(self) -> Path | None:
        """Move the saved state aside (for --fresh) rather than deleting someone's data."""
        if not self.dir.exists():
            return None
        previous = self.dir.with_name("state.previous")
        shutil.rmtree(previous, ignore_errors=True)
        self.dir.rename(previous)
        return previous

    # --- snapshot -------------------------------------------------------------------------------
    def snapshot(self, target: Target) -> None:
        with self._lock:
            self.dir.mkdir(parents=True, exist_ok=True)
            self._write_json("dynamodb.json", {"tables": self._dump_tables(target)})
            self._write_json("s3.json", {"buckets": self._dump_objects(target)})
            self._write_json("cognito.json", {"users": self._dump_users(target)})

    def _dump_tables(self, target: Target) -> dict[str, list[dict[str, Any]]]:
        dynamodb = aws_client("dynamodb", target.endpoint, target.region)
        tables: dict[str, list[dict[str, Any]]] = {}
        for logical, physical in sorted(target.table_names.items()):
            items: list[dict[str, Any]] = []
            for page in dynamodb.get_paginator("scan").paginate(TableName=physical, ConsistentRead=True):
                items.extend(_to_json_value({"M": item})["M"] for item in page["Items"])
            tables[logical] = items
        return tables

    def _dump_objects(self, target: Target) -> dict[str, list[dict[str, Any]]]:
        s3 = aws_client("s3", target.endpoint, target.region)
        blobs = self.dir / "s3-blobs"
        blobs.mkdir(parents=True, exist_ok=True)
        previous = self._read_json("s3.json").get("buckets", {})
        buckets: dict[str, list[dict[str, Any]]] = {}
        keep: set[str] = set()
        for bucket in sorted(b["Name"] for b in s3.list_buckets().get("Buckets", [])):
            known = {entry["key"]: entry for entry in previous.get(bucket, [])}
            entries: list[dict[str, Any]] = []
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for summary in page.get("Contents", []):
                    key, etag = summary["Key"], summary["ETag"]
                    entry = known.get(key)
                    if not (entry and entry["etag"] == etag and (blobs / entry["blob"]).is_file()):
                        entry = self._save_object(s3, bucket, key, etag, blobs)
                    entries.append(entry)
                    keep.add(entry["blob"])
            buckets[bucket] = entries
        for stale in blobs.iterdir():
            if stale.name not in keep:
                stale.unlink(missing_ok=True)
        return buckets

    @staticmethod
    def _save_object(s3: Any, bucket: str, key: str, etag: str, blobs: Path) -> dict[str, Any]:
        response = s3.get_object(Bucket=bucket, Key=key)
        body = response["Body"].read()
        blob = hashlib.sha256(body).hexdigest()
        path = blobs / blob
        if not path.is_file():
            _atomic_write(path, body)
        entry: dict[str, Any] = {"key": key, "etag": etag, "blob": blob, "metadata": response.get("Metadata", {})}
        for field in ("ContentType", "CacheControl", "ContentDisposition", "ContentEncoding"):
            if response.get(field):
                entry[field] = response[field]
        return entry

    def _dump_users(self, target: Target) -> list[dict[str, Any]]:
        # Read moto's in-process user objects: the API never returns passwords, and recreating a
        # user needs one. moto itself keeps them in plain text; this file is as local as moto is.
        pool = cognito_backend(target.account_id, target.region).user_pools.get(target.user_pool_id)
        if pool is None:
            return []
        users = []
        for user in sorted(pool.users.values(), key=lambda u: u.username):
            users.append(
                {
                    "username": user.username,
                    "sub": user.id,
                    "password": user.password,
                    "status": user.status,
                    "enabled": bool(user.enabled),
                    "attributes": [a for a in user.attributes if a["Name"] != "sub"],
                    "groups": sorted(group.group_name for group in user.groups),
                    "created": user.create_date.isoformat(),
                }
            )
        return users

    # --- restore --------------------------------------------------------------------------------
    def restore(self, target: Target) -> RestoreReport:
        with self._lock:
            users = self._restore_users(target, self._read_json("cognito.json").get("users", []))
            items = self._restore_tables(target, self._read_json("dynamodb.json").get("tables", {}))
            objects = self._restore_objects(target, self._read_json("s3.json").get("buckets", {}))
            return RestoreReport(items=items, objects=objects, users=users)

    def _restore_tables(self, target: Target, tables: dict[str, list[dict[str, Any]]]) -> int:
        dynamodb = aws_client("dynamodb", target.endpoint, target.region)
        count = 0
        for logical, items in tables.items():
            physical = target.table_names.get(logical)
            if physical is None:
                log.warning("saved table '%s' no longer exists; its %d items were not restored", logical, len(items))
                continue
            for start in range(0, len(items), 25):
                chunk = items[start : start + 25]
                batch = [{"PutRequest": {"Item": _from_json_value({"M": item})["M"]}} for item in chunk]
                pending: dict[str, Any] = {physical: batch}
                for _ in range(5):
                    pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                    if not pending:
                        break
                count += len(batch) - len(pending.get(physical, []))
        return count

    def _restore_objects(self, target: Target, buckets: dict[str, list[dict[str, Any]]]) -> int:
        s3 = aws_client("s3", target.endpoint, target.region)
        existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
        count = 0
        for bucket, entries in buckets.items():
            if bucket not in existing:
                log.warning("saved bucket '%s' no longer exists; its %d files were not restored", bucket, len(entries))
                continue
            for entry in entries:
                path = self.dir / "s3-blobs" / entry["blob"]
                if not path.is_file():
                    log.warning("a saved file of bucket '%s' is missing from the data folder", bucket)
                    continue
                extra = {f: entry[f] for f in ("ContentType", "CacheControl", "ContentDisposition", "ContentEncoding")
                         if f in entry}
                s3.put_object(Bucket=bucket, Key=entry["key"], Body=path.read_bytes(),
                              Metadata=entry.get("metadata", {}), **extra)
                count += 1
        return count

    def _restore_users(self, target: Target, users: list[dict[str, Any]]) -> int:
        cognito = aws_client("cognito-idp", target.endpoint, target.region)
        pool = target.user_pool_id
        for user in users:
            username = user["username"]
            cognito.admin_create_user(
                UserPoolId=pool, Username=username, UserAttributes=user["attributes"], MessageAction="SUPPRESS"
            )
            if user.get("password"):
                cognito.admin_set_user_password(
                    UserPoolId=pool, Username=username, Password=user["password"],
                    Permanent=user.get("status") != "FORCE_CHANGE_PASSWORD",
                )
            for group in user.get("groups", []):
                cognito.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=group)
            if not user.get("enabled", True):
                cognito.admin_disable_user(UserPoolId=pool, Username=username)
            _restore_identity(target, username, user["sub"], user.get("created"))
        return len(users)

    # --- files ----------------------------------------------------------------------------------
    def _write_json(self, name: str, document: dict[str, Any]) -> None:
        text = json.dumps({"format": FORMAT_VERSION, **document}, indent=1, sort_keys=True)
        if self._last_written.get(name) == text and (self.dir / name).is_file():
            return  # unchanged: no disk churn every 30 s
        _atomic_write(self.dir / name, text.encode())
        self._last_written[name] = text

    def _read_json(self, name: str) -> dict[str, Any]:
        path = self.dir / name
        if not path.is_file():
            return {}
        document = json.loads(path.read_text())
        if document.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path} has an unknown format; move it away or start with --fresh")
        return dict(document)


def _restore_identity(target: Target, username: str, sub: str, created: str | None) -> None:
    """Give a recreated user its previous `sub`.

    The sub is the user id every DynamoDB item refers to (case owner, grants), but moto draws a new
    random one for each created user and has no API to choose it. So, for this local emulator
    only, set it on moto's in-process user object (moto mints tokens from `user.id`).
    """
    user = cognito_backend(target.account_id, target.region).user_pools[target.user_pool_id].users[username]
    user.id = sub
    user.update_attributes([{"Name": "sub", "Value": sub}])
    if created:  # the operations screen shows it; keep it stable too
        user.create_date = datetime.fromisoformat(created)


def _to_json_value(value: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB AttributeValue as JSON: binary as base64, everything else already typed text."""
    (kind, inner), = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(b).decode() for b in inner]}
    if kind == "M":
        return {"M": {k: _to_json_value(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_to_json_value(v) for v in inner]}
    return {kind: inner}


def _from_json_value(value: dict[str, Any]) -> dict[str, Any]:
    (kind, inner), = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(b) for b in inner]}
    if kind == "M":
        return {"M": {k: _from_json_value(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_from_json_value(v) for v in inner]}
    return {kind: inner}


def _atomic_write(path: Path, data: bytes) -> None:
    # A crash mid-write must not leave half a snapshot: write aside, then rename over.
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class PeriodicSnapshots:
    """Background thread: snapshot every `interval` seconds until stopped."""

    def __init__(self, take: Callable[[], None], interval: float = SNAPSHOT_INTERVAL_SECONDS) -> None:
        self._take = take
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="local-snapshots", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            started = time.monotonic()
            try:
                self._take()
            except Exception:
                log.exception("saving local data failed (will retry in %.0f s)", self._interval)
            else:
                log.debug("local data saved in %.0f ms", (time.monotonic() - started) * 1000)
