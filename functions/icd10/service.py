"""Searching a code set by words or by code, for the diagnosis form.

Ranking: the dermatology chapter (L00-L99) first, because this is a dermatology service, but the
whole set is searched (a doctor may record diabetes or a melanoma, C43, next to the skin disease).
Within that: a code typed exactly, then codes that start with what was typed (shorter, i.e. more
general, first); for words: labels containing every word, those where every word starts a word of
the label first, then a label starting with the first word, then shorter labels, then code order.
The set (~98,000 codes) is scanned in memory: 30-200 ms a query on a busy 2-core machine.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from functions.icd10.ports import Code, CodeSet

DERMATOLOGY_LETTER = "L"  # ICD-10-CM chapter 12, L00-L99: diseases of the skin and subcutaneous tissue
# "L40", "l40.0", "L400", "S52.521A": a letter, a digit, then up to five more code characters.
_CODE_QUERY = re.compile(r"^[A-Za-z][0-9][0-9A-Za-z]{0,1}(\.?[0-9A-Za-z]{0,4})?$")
_WORD = re.compile(r"[0-9a-z]+")


@dataclass(frozen=True)
class _Indexed:
    code: Code
    compact: str  # the code without its dot, upper case
    words: str  # the label in lower case
    order: int


class CodeSearch:
    def __init__(self, code_set: CodeSet) -> None:
        self._code_set = code_set
        self._index: list[_Indexed] | None = None
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
        return {
            "codeSet": self._code_set.name,
            "items": [
                {"code": hit.code.code, "label": hit.code.label, "leaf": hit.code.leaf} for hit in ranked[:limit]
            ],
        }

    def _loaded(self) -> list[_Indexed]:
        if self._index is None:
            with self._lock:  # one load per process, even when the first searches arrive together
                if self._index is None:
                    self._index = [
                        _Indexed(code, code.code.replace(".", ""), code.label.lower(), order)
                        for order, code in enumerate(self._code_set.load())
                    ]
        return self._index

    @staticmethod
    def _by_code(index: Sequence[_Indexed], compact: str) -> list[_Indexed]:
        hits = [entry for entry in index if entry.compact.startswith(compact)]
        return sorted(hits, key=lambda entry: (
            not entry.compact.startswith(DERMATOLOGY_LETTER), entry.compact != compact, len(entry.compact),
            entry.order,
        ))

    @staticmethod
    def _by_words(index: Sequence[_Indexed], text: str) -> list[_Indexed]:
        words = _WORD.findall(text.lower())
        if not words:
            return []
        first = words[0]
        hits = [entry for entry in index if all(word in entry.words for word in words)]
        # "psoriasis" should put "Other psoriasis" before "Parapsoriasis": words matched at their start.
        starts = [re.compile(rf"\b{re.escape(word)}") for word in words]
        return sorted(hits, key=lambda entry: (
            not entry.compact.startswith(DERMATOLOGY_LETTER),
            not all(start.search(entry.words) for start in starts),
            not entry.words.startswith(first), len(entry.words), entry.order,
        ))
