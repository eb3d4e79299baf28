"""Client factory: every boto3 client gets explicit retries and timeouts.

boto3 is imported here on first use only; it costs ~150 ms of cold start that most requests
(JWT-verified reads served through pynamodb) never need.
"""

from __future__ import annotations

from typing import Any

CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 5
MAX_ATTEMPTS = 3


def botocore_config(**overrides: Any) -> Any:
    from botocore.config import Config

    params: dict[str, Any] = {
        "retries": {"mode": "standard", "max_attempts": MAX_ATTEMPTS},
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "read_timeout": READ_TIMEOUT_SECONDS,
    }
    params.update(overrides)
    return Config(**params)


def make_client(service: str, region: str, endpoint_url: str | None = None, **config: Any) -> Any:
    import boto3

    # A session per client keeps clients thread-safe to build (the default session is not).
    session = boto3.session.Session()
    kwargs: dict[str, Any] = {"region_name": region, "config": botocore_config(**config)}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    client: Any = session.client(service, **kwargs)  # type: ignore[call-overload]
    return client


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError (or '' for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""
