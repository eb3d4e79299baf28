"""ICD-10 search ranking on a small code set (the real set is searched in tests/functional)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from functions.icd10.ports import Code
from functions.icd10.service import CodeSearch

CODES = (
    Code("C43", "Malignant melanoma of skin", False),
    Code("C43.9", "Malignant melanoma of skin, unspecified", True),
    Code("D03", "Melanoma in situ", False),
    Code("E11", "Type 2 diabetes mellitus", False),
    Code("L20", "Atopic dermatitis", False),
    Code("L20.9", "Atopic dermatitis, unspecified", True),
    Code("L40", "Psoriasis", False),
    Code("L40.0", "Psoriasis vulgaris", True),
    Code("L40.8", "Other psoriasis", True),
    Code("L41.3", "Small plaque parapsoriasis", True),
    Code("M07.3", "Other psoriatic arthropathies", False),
    Code("S52.521A", "Torus fracture of lower end of right radius, initial encounter", True),
)


class CountingCodeSet:
    name = "test codes"

    def __init__(self) -> None:
        self.loads = 0

    def load(self) -> Sequence[Code]:
        self.loads += 1
        return CODES


def codes(answer: dict[str, Any]) -> list[str]:
    return [str(item["code"]) for item in answer["items"]]


def test_the_code_set_loads_on_the_first_search_and_only_once() -> None:
    code_set = CountingCodeSet()
    search = CodeSearch(code_set)
    assert code_set.loads == 0
    search.search("psoriasis", 5)
    search.search("L40", 5)
    assert code_set.loads == 1


def test_words_rank_the_dermatology_chapter_first_and_whole_words_before_parts() -> None:
    search = CodeSearch(CountingCodeSet())
    # Parapsoriasis contains the word but not at a word start; psoriatic (M07) does not contain it.
    assert codes(search.search("psoriasis", 10)) == ["L40", "L40.0", "L40.8", "L41.3"]
    assert codes(search.search("Atopic  DERMATITIS", 10)) == ["L20", "L20.9"]
    # Outside the chapter the whole set is searched.
    assert codes(search.search("melanoma", 10)) == ["D03", "C43", "C43.9"]
    assert codes(search.search("type 2 diabetes", 10)) == ["E11"]
    assert codes(search.search("nothing like this", 10)) == []


def test_codes_match_by_prefix_with_or_without_the_dot() -> None:
    search = CodeSearch(CountingCodeSet())
    assert codes(search.search("L40", 10)) == ["L40", "L40.0", "L40.8"]
    assert codes(search.search("l40.0", 10)) == ["L40.0"]
    assert codes(search.search("L400", 10)) == ["L40.0"]
    assert codes(search.search("c43", 10)) == ["C43", "C43.9"]
    assert codes(search.search("S52.521A", 10)) == ["S52.521A"]


def test_the_answer_names_the_set_carries_labels_and_respects_the_limit() -> None:
    answer = CodeSearch(CountingCodeSet()).search("psoriasis", 2)
    assert answer == {
        "codeSet": "test codes",
        "items": [
            {"code": "L40", "label": "Psoriasis", "leaf": False},
            {"code": "L40.0", "label": "Psoriasis vulgaris", "leaf": True},
        ],
    }
