"""GET /icd10: the real ICD-10-CM code set, doctors only, clear 400s for bad queries."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.functional.conftest import World


def search(world: World, query: str, user: str | None = "dr.one") -> tuple[int, Any]:
    response = world.request("GET", f"/icd10?{query}", user=user)
    return response.status_code, response.json_body


def test_doctors_search_the_whole_code_set_dermatology_first(world: World) -> None:
    status, answer = search(world, "q=psoriasis&limit=5")
    assert status == 200, answer
    assert answer["codeSet"] == "ICD-10-CM"
    items = answer["items"]
    assert isinstance(items, list) and len(items) == 5
    assert items[0] == {"code": "L40", "label": "Psoriasis", "leaf": False}
    assert {"code": "L40.0", "label": "Psoriasis vulgaris", "leaf": True} in items
    assert all(item["code"].startswith("L") for item in items)

    # A code, with or without its dot; and a code far outside the skin chapter.
    assert search(world, "q=L40.0")[1]["items"][0]["label"] == "Psoriasis vulgaris"
    assert search(world, "q=l400")[1]["items"][0]["code"] == "L40.0"
    assert search(world, f"q={quote('type 2 diabetes')}&limit=1")[1]["items"][0]["code"] == "E11"
    # The default limit is 20. "Eczema" is in several chapters: the skin chapter's codes come first.
    assert len(search(world, "q=dermatitis")[1]["items"]) == 20
    letters = [item["code"][0] for item in search(world, "q=eczema")[1]["items"]]
    assert "B" in letters and "H" in letters
    assert letters == sorted(letters, key=lambda letter: letter != "L")


@pytest.mark.parametrize(("user", "status"), [("pat.a", 403), ("ops", 403), ("nobody", 403), (None, 401)])
def test_only_doctors_may_search(world: World, user: str | None, status: int) -> None:
    code, answer = search(world, "q=psoriasis", user=user)
    assert code == status, answer
    if status == 403 and user != "nobody":  # ours (a role refused); the others are the authorizer's
        assert answer["error"]["code"] == "wrong_role"


@pytest.mark.parametrize("query", [
    "",  # q is required
    "q=",
    "q=%20%20",  # blank
    "q=...",  # no letter or digit
    "q=" + "a" * 101,
    "q=psoriasis%3B%20drop",  # ; is not in codes or labels
    "q=%3Cscript%3E",
    "q=psoriasis&limit=0",
    "q=psoriasis&limit=51",
    "q=psoriasis&limit=many",
    "q=psoriasis&sort=code",  # unknown parameter
])
def test_bad_queries_answer_400(world: World, query: str) -> None:
    code, answer = search(world, query)
    assert code == 400, answer
    assert answer["error"]["code"] == "validation_error"
