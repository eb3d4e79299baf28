"""Operator command: seal the protected values still stored in plaintext.

    python -m functions.migrations.cli seal-legacy [--table scores ...] [--page-size 100]
                                                   [--max-pages N] [--cursor C]
        Scan each table and, item by item, seal what an older release stored in plaintext (score
        answers, totals, bands, flags and deltas; lesion labels and positions; timeline summaries;
        photos' and upload intents' body sites and capture times (and the photos' site index key);
        usernames in visit rooms, waiting-room entries and connections), removing the
        plaintext in the same conditional write. Idempotent: converted items are skipped, so running
        it again (or two at once) changes nothing more. Resumable: with --max-pages it stops early
        and prints each table's `cursor`; pass it back with --cursor (one --table) to go on.

Runs with the functions' environment (TABLE_PREFIX, KEY_PROVIDER, KMS_KEY_ID or LOCAL_KEY_FILE) and
needs Scan and UpdateItem on the tables it converts. Run it right after deploying a release that no
longer reads plaintext: until it has passed, such an item answers 503 (NotMigrated), never the
plaintext. A Scan page reads `--page-size` items (100 by default: about 40 KB of scores, well inside
DynamoDB's 1 MB page).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict

from functions.bootstrap import get_container
from functions.migrations.legacy import MigrationPage, run_pages
from functions.shared.errors import DomainError
from functions.shared.tables import (
    CONNECTIONS,
    LESIONS,
    PHOTO_UPLOADS,
    PHOTOS,
    SCORES,
    TIMELINE,
    VISITS,
    WAITING_ROOM,
)


def _steps() -> dict[str, Callable[[str | None, int], MigrationPage]]:
    from functions.images import adapters as images
    from functions.lesions import adapters as lesions
    from functions.scores import adapters as scores
    from functions.signaling import adapters as signaling
    from functions.timeline import adapters as timeline
    from functions.visits import adapters as visits

    container = get_container()
    container.bind(SCORES, LESIONS, TIMELINE, VISITS, WAITING_ROOM, PHOTOS, PHOTO_UPLOADS, CONNECTIONS)
    sealer = container.field_sealer
    return {
        "scores": lambda cursor, size: scores.seal_legacy_page(sealer, cursor, size),
        "lesions": lambda cursor, size: lesions.seal_legacy_page(sealer, cursor, size),
        "timeline": lambda cursor, size: timeline.seal_legacy_page(sealer, cursor, size),
        "visits": lambda cursor, size: visits.seal_legacy_visits_page(sealer, cursor, size),
        "waiting_room": lambda cursor, size: visits.seal_legacy_queue_page(sealer, cursor, size),
        "photos": lambda cursor, size: images.seal_legacy_photos_page(sealer, cursor, size),
        "photo_uploads": lambda cursor, size: images.seal_legacy_intents_page(sealer, cursor, size),
        "connections": lambda cursor, size: signaling.seal_legacy_page(sealer, cursor, size),
    }


# Connect tickets are not converted: a ticket lives a minute, and one stored in plaintext is refused.
TABLES = ("scores", "lesions", "timeline", "visits", "waiting_room", "photos", "photo_uploads", "connections")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m functions.migrations.cli", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    seal = commands.add_parser("seal-legacy", help="seal what older releases stored in plaintext")
    seal.add_argument("--table", action="append", choices=TABLES, help="only this table (repeatable)")
    seal.add_argument("--page-size", type=int, default=100, help="items per Scan page (1..1000)")
    seal.add_argument("--max-pages", type=int, default=None, help="stop after this many pages per table")
    seal.add_argument("--cursor", default=None, help="resume a table where a run stopped (needs one --table)")
    args = parser.parse_args(argv)
    tables = args.table or list(TABLES)
    if args.cursor and len(tables) != 1:
        parser.error("--cursor resumes one table: name it with --table")
    if not 1 <= args.page_size <= 1000 or (args.max_pages is not None and args.max_pages < 1):
        parser.error("--page-size is 1..1000 and --max-pages at least 1")

    try:
        steps = _steps()
    except DomainError as error:
        print(json.dumps({"ok": False, "error": {"code": error.code, "message": error.message}}))
        return 2
    reports = []
    for table in tables:
        report = run_pages(table, steps[table], cursor=args.cursor, page_size=args.page_size,
                           max_pages=args.max_pages)
        reports.append(report)
        if report.failures:
            break  # the database or the key service is failing: the next table would too
    ok = not any(report.failures for report in reports)
    print(json.dumps({"ok": ok, "tables": [asdict(report) for report in reports]}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
