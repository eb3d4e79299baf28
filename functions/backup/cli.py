"""Operator commands for backups and restore drills.

    python -m functions.backup.cli export --to DIR
        Write this stack's tables and buckets (images, audit anchors) to a new snapshot directory;
        prints its fingerprint (item and object counts, SHA-256 per table and bucket).
    python -m functions.backup.cli load --from DIR --table-prefix P --image-bucket B --anchor-bucket A
        Write a snapshot into another stack's empty tables and buckets (created beforehand, as the
        template or the local stack creates them); refuses a snapshot that does not match its manifest.
    python -m functions.backup.cli fingerprint [--table-prefix P --image-bucket B --anchor-bucket A]
        Print a stack's fingerprint (this stack's by default); equal fingerprints, equal data.

Runs with the functions' environment (TABLE_PREFIX, IMAGE_BUCKET, AUDIT_ANCHOR_BUCKET, AWS credentials
and region). A snapshot holds sealed fields sealed, but ids and usernames in clear: keep it private.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from functions.backup.service import StackNames
from functions.bootstrap import get_container
from functions.shared.errors import DomainError


def this_stack() -> StackNames:
    settings = get_container().settings
    buckets = {"images": settings.image_bucket}
    if settings.audit_anchor_bucket:
        buckets["audit_anchors"] = settings.audit_anchor_bucket
    return StackNames(settings.table_prefix, buckets)


def _named(args: argparse.Namespace) -> StackNames:
    if args.table_prefix is None:
        return this_stack()
    buckets = {"images": args.image_bucket}
    if args.anchor_bucket:
        buckets["audit_anchors"] = args.anchor_bucket
    return StackNames(args.table_prefix, buckets)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m functions.backup.cli", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="write this stack's data to a snapshot directory")
    export.add_argument("--to", required=True, type=Path)
    for name in ("load", "fingerprint"):
        command = commands.add_parser(name)
        if name == "load":
            command.add_argument("--from", dest="source", required=True, type=Path)
        command.add_argument("--table-prefix", required=name == "load")
        command.add_argument("--image-bucket", required=name == "load")
        command.add_argument("--anchor-bucket")
    args = parser.parse_args(argv)

    backup = get_container().backup
    try:
        if args.command == "export":
            fingerprint = backup.export(this_stack(), args.to)
        elif args.command == "load":
            fingerprint = backup.load(args.source, _named(args))
        else:
            fingerprint = backup.fingerprint(_named(args))
    except DomainError as error:
        print(json.dumps({"ok": False, "error": {"code": error.code, "message": error.message}}))
        return 2
    print(json.dumps(fingerprint.view(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
