"""Operator commands for the audit trail.

    python -m functions.audit.cli verify [--chain c03 ...] [--no-anchors]
        Walk every chain from its first entry and compare with every anchor in the Object Lock
        bucket. Prints one JSON report; exits 1 if any entry was altered, removed or reordered,
        or a chain was cut short or rewritten (the report names the first bad seq per chain).
    python -m functions.audit.cli anchor
        Anchor the chain heads now (the `anchor_audit_chains` schedule does it every 15 minutes).

Runs with the same environment variables as the functions (TABLE_PREFIX, AUDIT_ANCHOR_BUCKET,
AUDIT_CHAINS, AWS credentials and region) and needs read access to the audit table and bucket.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from functions.bootstrap import get_container
from functions.shared.errors import DomainError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m functions.audit.cli", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="detect altered, removed or reordered audit entries")
    verify.add_argument("--chain", action="append", help="verify only this chain (repeatable)")
    verify.add_argument("--no-anchors", action="store_true", help="skip the comparison with S3 anchors")
    commands.add_parser("anchor", help="write the chain heads to the anchor bucket now")
    args = parser.parse_args(argv)

    trail = get_container().audit
    try:
        if args.command == "anchor":
            anchor = trail.anchor()
            print(json.dumps({"key": anchor.key, "chains": len(anchor.heads)}))
            return 0
        report = trail.verify(args.chain, use_anchors=not args.no_anchors)
    except DomainError as error:
        print(json.dumps({"ok": False, "error": {"code": error.code, "message": error.message}}))
        return 2
    print(json.dumps(report.view(), indent=2))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
