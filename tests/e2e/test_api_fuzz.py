"""Generated requests against the whole API on a local stack (schemathesis over the API's own OpenAPI
document, GET /openapi.json): every operation, as a patient, a doctor, an admin and nobody, with
requests that fit the schemas and requests that break them. No answer may be a 5xx, and every refusal
must come in the one error shape with a stable code (docs/api.md), whoever asks and whatever they send.

The stack is one of its own, thrown away after this module: the fuzz creates accounts, spends the
sign-in throttle of 127.0.0.1 and writes junk that later tests must not meet."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode

from local.seed import DR_CHEN, OPS_ADMIN, PAT_ALEX
from local.stack import LocalStack
from tests.e2e import conftest as e2e_conftest

# Examples per operation, identity and mode: 99 operations x 4 identities x 2 modes x 3 is about 2,400
# requests, about a minute and a half on a 2-core machine.
EXAMPLES = 3


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    if e2e_conftest.session_stack() is not None:
        e2e_conftest.session_stack().stop()  # type: ignore[union-attr]
    local = LocalStack(port=0, moto_port=0, data_dir=tmp_path_factory.mktemp("fuzz-stack-data"),
                       snapshot_interval=3600)
    local.start()
    try:
        yield local
    finally:
        local.stop(save=False)


def _token(stack: LocalStack, username: str, password: str) -> str:
    answer = requests.post(stack.api_url + "/auth/login", json={"username": username, "password": password},
                           timeout=30)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["accessToken"])


def _error_shape(response: requests.Response) -> bool:
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return False
    return isinstance(error, dict) and isinstance(error.get("code"), str) and bool(error["code"]) \
        and isinstance(error.get("message"), str)


def test_no_generated_request_gets_a_server_error_and_every_refusal_has_the_error_shape(
    fuzzed: LocalStack,
) -> None:
    document = requests.get(fuzzed.api_url + "/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(document)
    identities: dict[str, dict[str, str]] = {"nobody": {}}
    for name, account in (("patient", PAT_ALEX), ("doctor", DR_CHEN), ("admin", OPS_ADMIN)):
        identities[name] = {"Authorization": f"Bearer {_token(fuzzed, account.username, account.password)}"}
    session = requests.Session()
    statuses: Counter[int] = Counter()
    faults: list[str] = []
    unbreakable: list[str] = []

    def exercise(strategy: Any, label: str, mode: GenerationMode) -> None:
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(st.data())
        def run(data: Any) -> None:
            case = data.draw(strategy)
            for who, headers in identities.items():
                response = case.call(base_url=fuzzed.api_url, session=session, headers=headers, timeout=30)
                statuses[response.status_code] += 1
                if response.status_code >= 500 or (response.status_code >= 400 and not _error_shape(response)):
                    faults.append(f"{who} {mode.value} {label} -> {response.status_code} "
                                  f"{response.text[:200]!r} (url {response.request.url!r})")

        try:
            run()
        except Unsatisfiable:
            # Nothing to break: the operation takes no parameters and no body (GET /health).
            assert mode is GenerationMode.NEGATIVE, label
            unbreakable.append(label)

    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the document has an operation schemathesis cannot read: {result}"
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            exercise(operation.as_strategy(generation_mode=mode), operation.label, mode)

    sent = sum(statuses.values())
    print(f"api fuzz: {sent} requests, statuses {dict(sorted(statuses.items()))}, "
          f"{len(unbreakable)} operations without input to break")
    assert faults == [], "\n".join(faults)
    # The run reached the API's logic, not only its gates: some answers succeeded, some were refused.
    assert sent >= len(document["paths"]) * 4 and statuses[200] > 0 and statuses[400] > 0 and statuses[404] > 0
