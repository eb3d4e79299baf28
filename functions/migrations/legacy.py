"""Moving protected values that were stored in plaintext to their sealed form, and what a reader
does when it meets an item that has not been moved yet.

Each adapter that once stored plaintext owns its conversion (`seal_legacy_page`): it knows the
encryption context its reader opens with. This module holds what they share: the error a reader
raises instead of falling back to the plaintext, the page report, and the loop over pages.

A conversion is one conditional UpdateItem per item: SET the sealed attributes, REMOVE the plaintext
ones, on the condition that the sealed ones are still absent. So a run is idempotent (a converted
item is skipped, a second runner's write fails its condition and is counted, never sealed twice)
and resumable (a run stopped after any page resumes from the cursor it printed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from functions.shared.dynamo import decode_cursor, encode_cursor, translate_errors
from functions.shared.errors import DependencyUnavailable, DomainError
from functions.shared.observability import log_warning, put_metrics


class NotMigrated(DependencyUnavailable):
    """An item still holds a protected value in plaintext: the migration has not reached it.

    The plaintext is never answered (a reader that fell back to it would keep the old path alive
    for ever); the request fails as "try again" (503) until `python -m functions.migrations.cli
    seal-legacy` has run, which a release that stops reading plaintext runs right after deploying.
    """


def not_migrated(table: str) -> NotMigrated:
    # The table only: never the item's key or values (they identify a person).
    log_warning("item not migrated to sealed fields", table=table)
    put_metrics({"UnmigratedReads": 1})
    return NotMigrated("This record is being moved to its protected form; try again shortly.")


@dataclass
class MigrationPage:
    examined: int = 0
    sealed: int = 0  # items converted by this page
    already_sealed: int = 0  # items with nothing in plaintext (new items, or converted before)
    lost_races: int = 0  # converted by someone else between our read and our write
    cursor: str | None = None  # where the next page starts; None when the table is done


@dataclass
class MigrationReport:
    table: str
    examined: int = 0
    sealed: int = 0
    already_sealed: int = 0
    lost_races: int = 0
    pages: int = 0
    cursor: str | None = None  # set when the run stopped early (max_pages): pass it to resume
    done: bool = False
    failures: list[str] = field(default_factory=list)


PageStep = Callable[[str | None, int], MigrationPage]


# What converting one item takes: the update's actions and its condition, or None when nothing of the
# item is in plaintext any more (new, or converted before).
ItemPlan = Callable[[Any], "tuple[list[Any], Any] | None"]


def convert_page(model: Any, cursor: str | None, page_size: int, plan: ItemPlan) -> MigrationPage:
    """One Scan page of `model` (a pynamodb Model class), each item converted by one conditional update
    as `plan` says; an update whose condition fails was converted by someone else (a lost race)."""
    from pynamodb.exceptions import UpdateError

    page = MigrationPage()
    with translate_errors():
        result = model.scan(limit=page_size, page_size=page_size, last_evaluated_key=decode_cursor(cursor))
        for item in result:
            page.examined += 1
            planned = plan(item)
            if planned is None:
                page.already_sealed += 1
                continue
            actions, condition = planned
            try:
                item.update(actions=actions, condition=condition)
                page.sealed += 1
            except UpdateError as error:
                if error.cause_response_code != "ConditionalCheckFailedException":
                    raise
                page.lost_races += 1
        page.cursor = encode_cursor(result.last_evaluated_key)
    return page


def run_pages(table: str, step: PageStep, *, cursor: str | None = None, page_size: int = 100,
              max_pages: int | None = None) -> MigrationReport:
    """Convert a table page by page from `cursor` until the end (or `max_pages`, or a failure: the
    report's cursor is then where the failed page started, so a rerun from it loses nothing)."""
    report = MigrationReport(table=table, cursor=cursor)
    while max_pages is None or report.pages < max_pages:
        try:
            page = step(report.cursor, page_size)
        except DomainError as error:
            report.failures.append(error.code)
            break
        report.pages += 1
        report.examined += page.examined
        report.sealed += page.sealed
        report.already_sealed += page.already_sealed
        report.lost_races += page.lost_races
        report.cursor = page.cursor
        if page.cursor is None:
            report.done = True
            break
    return report
