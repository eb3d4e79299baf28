"""The fixed body-site vocabulary of the body map.

`body_sites.json` is the single definition: the web app imports the same file (or reads it from
`GET /body-sites`) so the figure, the API schemas and stored data use one set of ids. Each site names
the figure views (front/back) it can be picked on and the PASI/EASI region it belongs to, which the
scoring forms may use to pre-fill regions (the clinician still decides).

Ids are stable storage keys: add sites, never rename or remove one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

VOCABULARY_PATH = Path(__file__).with_name("body_sites.json")
VIEWS: tuple[str, ...] = ("front", "back")


@dataclass(frozen=True)
class BodySite:
    id: str
    label: str
    views: tuple[str, ...]
    region: str


@cache
def vocabulary() -> dict[str, Any]:
    """The parsed JSON document (read once per process; a few kB, no I/O beyond the package)."""
    document: dict[str, Any] = json.loads(VOCABULARY_PATH.read_text(encoding="utf-8"))
    return document


@cache
def body_sites() -> dict[str, BodySite]:
    return {
        entry["id"]: BodySite(entry["id"], entry["label"], tuple(entry["views"]), entry["region"])
        for entry in vocabulary()["sites"]
    }


def site_ids() -> list[str]:
    return list(body_sites())


def site_schema() -> dict[str, Any]:
    """JSON Schema of a body-site id (an enum, so a typo is a 400, not a new site)."""
    return {"type": "string", "enum": site_ids()}
