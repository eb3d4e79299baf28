"""The `Measurer` adapter of the deployed stages: invokes the measuring function (its own layer,
infrastructure/lesions.py) synchronously and returns its answer, the same JSON as in-process."""

from __future__ import annotations

import json
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
