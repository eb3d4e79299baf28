"""Searching a code set by words or by code, for the diagnosis form.

Ranking: the dermatology chapter (L00-L99) first, because this is a dermatology service, but the
whole set is searched (a doctor may record diabetes or a melanoma, C43, next to the skin disease).
Within that: a code typed exactly, then codes that start with what was typed (shorter, i.e. more
general, first); for words: labels containing every word, those where every word starts a word of
the label first, then a label starting with the first word, then shorter labels, then code order.
The set (~98,000 codes) is scanned in memory, a few to tens of milliseconds a query.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from functions.icd10.ports import Code, CodeSet

DERMATOLOGY_LETTER = "L"  # ICD-10-CM chapter 12, L00-L99: diseases of the skin and subcutaneous tissue
# "L40", "l40.0", "L400", "S52.521A": a letter, a digit, then up to five more code characters.
_CODE_QUERY = re.compile(r"^[A-Za-z][0-9][0-9A-Za-z]{0,1}(\.?[0-9A-Za-z]{0,4})?$")
_WORD = re.compile(r"[0-9a-z]+")


@dataclass(frozen=True)
class _Index:
    """Parallel lists, so a query scans plain strings (a list comprehension over 98,000 strings is
    a few milliseconds; attribute access per entry made it several times slower)."""

    codes: tuple[Code, ...]
    compacts: tuple[str, ...]  # the code without its dot, upper case
    labels: tuple[str, ...]  # the label in lower case


class CodeSearch:
    def __init__(self, code_set: CodeSet) -> None:
        self._code_set = code_set
        self._index: _Index | None = None
        self._lock = threading.Lock()

    def search(self, query: str, limit: int) -> dict[str, Any]:
        """The best `limit` codes for `query` (words of the label, or the start of a code)."""
        index = self._loaded()
        text = query.strip()
        if _CODE_QUERY.match(text):
            ranked = self._by_code(index, text.replace(".", "").upper())
            # "L40" could also be words ("l40" never is), but "C43 melanoma" is words: fall through.
            if not ranked:
                ranked = self._by_words(index, text)
        else:
            ranked = self._by_words(index, text)
        codes = index.codes
        return {
            "codeSet": self._code_set.name,
            "items": [
                {"code": codes[i].code, "label": codes[i].label, "leaf": codes[i].leaf} for i in ranked[:limit]
            ],
        }

    def _loaded(self) -> _Index:
        if self._index is None:
            with self._lock:  # one load per process, even when the first searches arrive together
                if self._index is None:
                    codes = tuple(self._code_set.load())
                    self._index = _Index(
                        codes, tuple(code.code.replace(".", "") for code in codes),
                        tuple(code.label.lower() for code in codes),
                    )
        return self._index

    @staticmethod
    def _by_code(index: _Index, compact: str) -> list[int]:
        compacts = index.compacts
        hits = [i for i, code in enumerate(compacts) if code.startswith(compact)]
        return sorted(hits, key=lambda i: (
            not compacts[i].startswith(DERMATOLOGY_LETTER), compacts[i] != compact, len(compacts[i]), i,
        ))

    @staticmethod
    def _by_words(index: _Index, text: str) -> list[int]:
        words = _WORD.findall(text.lower())
        if not words:
            return []
        first, rest = words[0], words[1:]
        labels, compacts = index.labels, index.compacts
        hits = [i for i, label in enumerate(labels) if first in label]
        for word in rest:
            hits = [i for i in hits if word in labels[i]]
        # "psoriasis" should put "Other psoriasis" before "Parapsoriasis": words matched at their start.
        starts = [re.compile(rf"\b{re.escape(word)}") for word in words]
        return sorted(hits, key=lambda i: (
            not compacts[i].startswith(DERMATOLOGY_LETTER),
            not all(start.search(labels[i]) for start in starts),
            not labels[i].startswith(first), len(labels[i]), i,
        ))
