"""The adapters of the deployed stages: the `Measurer` invokes the measuring function (its own layer,
infrastructure/lesions.py) synchronously and returns its answer, the same JSON as in-process; the
`SeriesMeasuring` hands a new baseline's series to the measuring step's function (invoked
asynchronously, so the doctor's request does not wait for the photos' measuring)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from functions.shared.errors import DependencyUnavailable

# The measuring function's timeout is 60 s (infrastructure/lesions.py): wait a little longer, and do
# not retry here: a failed measurement fails the event, which EventBridge and Lambda retry as a whole.
READ_TIMEOUT_SECONDS = 70


def invoke_client(region: str) -> Any:
    from functions.shared.aws import make_client

    return make_client("lambda", region, read_timeout=READ_TIMEOUT_SECONDS,
                       retries={"mode": "standard", "max_attempts": 1})


class LambdaMeasurer:
    def __init__(self, client: Callable[[], Any], function_name: str) -> None:
        if not function_name:
            raise DependencyUnavailable("LESION_MEASURER=lambda needs LESION_MEASURER_FUNCTION.")
        self._client = client
        self._function = function_name

    def measure(self, request: dict[str, Any]) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._client().invoke(FunctionName=self._function, InvocationType="RequestResponse",
                                           Payload=json.dumps(request).encode())
            payload = answer["Payload"].read()
        except (BotoCoreError, ClientError) as error:
            raise DependencyUnavailable("The measuring function could not be reached.") from error
        if answer.get("FunctionError"):
            # An unhandled error (out of memory, timeout, a bug): the message stays in its own log.
            raise DependencyUnavailable(f"The measuring function failed ({answer['FunctionError']}).")
        result: dict[str, Any] = json.loads(payload)
        return result


# The event the measuring step (functions/lesionmetrics/events.py) reads as "measure this lesion's series".
SERIES_SOURCE = "dermafollow.lesionmetrics"
SERIES_DETAIL_TYPE = "Lesion baseline set"


class LambdaSeriesMeasuring:
    def __init__(self, client: Callable[[], Any], function_name: str) -> None:
        self._client = client
        self._function = function_name

    def measure_lesion(self, case_id: str, lesion_id: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        # Shaped as an EventBridge event, which the step's handler is (Lambda keeps the ids only).
        event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": SERIES_DETAIL_TYPE, "source": SERIES_SOURCE,
                 "account": "", "time": "", "region": "", "resources": [],
                 "detail": {"caseId": case_id, "lesionId": lesion_id}}
        try:
            self._client().invoke(FunctionName=self._function, InvocationType="Event",
                                  Payload=json.dumps(event).encode())
        except (BotoCoreError, ClientError) as error:
            raise DependencyUnavailable("The lesion's photos could not be queued for measuring.") from error
