"""The languages DermaFollow speaks, from the one file the web app reads too (languages.json).

The server words little itself (the app words what it shows): reminders sent by e-mail and SMS are
in the person's chosen language, and request bodies naming a language are checked against this list.
"""

from __future__ import annotations

import json
from pathlib import Path

_DEFINITION = json.loads((Path(__file__).with_name("languages.json")).read_text(encoding="utf-8"))

LANGUAGES: tuple[str, ...] = tuple(_DEFINITION["languages"])
FALLBACK: str = _DEFINITION["fallback"]


def supported(language: str | None) -> str:
    """`language` when DermaFollow speaks it, else the fallback (a stored choice outlives a language)."""
    return language if language in LANGUAGES else FALLBACK
