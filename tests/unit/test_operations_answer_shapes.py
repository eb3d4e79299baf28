"""The answer schemas the admin routes declare hold every shape their services give, including the
ones the functional tests rarely see: a dependency down or slow, a chain never checked, a chain the
last run did not see, and a broken chain with its problem."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any, cast

import fastjsonschema
import pytest

from functions.admin.health import SLOW_MS, HealthService, State
from functions.admin.routes import OPERATIONS_HEALTH
from functions.audit.chain import Problem, chain_for
from functions.audit.checks import ChainChecks
from functions.audit.routes import CHAIN_VERIFICATION
from functions.audit.service import AuditTrail
from functions.shared.errors import DependencyUnavailable


def _valid(schema: dict[str, Any], answer: Any) -> None:
    fastjsonschema.compile(schema)(json.loads(json.dumps(answer)))


def _ticks(*seconds: float) -> Any:
    values = iter(seconds)
    return lambda: next(values)


def _failing() -> None:
    raise DependencyUnavailable("no", code="table_missing")


def test_the_health_answer_holds_every_state_and_the_worst_one_is_the_status() -> None:
    # One probe at a time (the clock is read once before and once after each probe).
    down = HealthService({"dynamodb": _failing}, now=lambda: 0).check()
    assert down["status"] == State.DOWN.value and down["dependencies"][0] == {
        "name": "dynamodb", "state": "down", "latencyMs": None, "code": "table_missing"}
    slow = HealthService({"s3": lambda: None}, clock=_ticks(0, SLOW_MS / 1000 + 0.5), now=lambda: 0).check()
    assert slow["status"] == "slow" and slow["dependencies"][0]["latencyMs"] == SLOW_MS + 500
    fine = HealthService({"kms": lambda: None}, clock=_ticks(0, 0.01), now=lambda: 0).check()
    assert fine["status"] == "ok" and "code" not in fine["dependencies"][0]
    for answer in (down, slow, fine):
        _valid(OPERATIONS_HEALTH, answer)
    assert {state.value for state in State} == set(OPERATIONS_HEALTH["properties"]["status"]["enum"])


class _Checks:
    def __init__(self, latest: tuple[str, dict[str, Any]] | None) -> None:
        self._latest = latest

    def save(self, at: str, report: dict[str, Any], expires_at_epoch: int) -> None:
        raise AssertionError("not run here")

    def latest(self) -> tuple[str, dict[str, Any]] | None:
        return self._latest


CHAINS = ["c00", "c01", "c02", "c03"]
TRAIL = cast(AuditTrail, SimpleNamespace(chains=CHAINS))


def _report(chain_view: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    chains = [] if chain_view is None else [chain_view]
    return "2026-12-04T01:00:00.000000Z", {"ok": all(c["ok"] for c in chains), "anchors": 2,
                                          "entries": sum(c["entries"] for c in chains), "chains": chains}


@pytest.mark.parametrize("problem", [None, *Problem])
def test_the_verification_answer_holds_what_the_last_run_found(problem: Problem | None) -> None:
    from functions.audit.chain import ChainReport

    chain = chain_for("patient-1", len(CHAINS))
    report = ChainReport(chain, entries=7, head_seq=7, anchors_checked=2, legacy=1, notes=["anchor a is older"])
    if problem is not None:
        report = ChainReport(chain, entries=7, first_bad_seq=3 if problem is not Problem.HEAD_MISSING else None,
                             problem=problem, detail="what differs")
    shapes = [
        ChainChecks(TRAIL, _Checks(None)).status_of_patient("patient-1"),  # never run
        ChainChecks(TRAIL, _Checks(_report(None))).status_of_patient("patient-1"),  # chain not seen
        ChainChecks(TRAIL, _Checks(_report(report.view()))).status_of_patient("patient-1"),
    ]
    assert shapes[0]["checkedAt"] is None and shapes[1]["entries"] == 0
    assert shapes[2].get("problem") == (None if problem is None else problem.value)
    for answer in shapes:
        _valid(CHAIN_VERIFICATION, answer)
