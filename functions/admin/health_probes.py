"""The health view's probes: the smallest real call on each dependency, through the app's own clients
and permissions (so a missing permission shows here before a patient meets it)."""

from __future__ import annotations

import secrets
from typing import Any

from functions.shared.aws import error_code, make_client
from functions.shared.errors import DependencyUnavailable
from functions.shared.settings import Settings
from functions.shared.tables import CASES

PROBE_CONNECTION_ID = "health-probe-none"


def dynamodb_probe(settings: Settings) -> Any:
    def probe() -> None:
        client = make_client("dynamodb", settings.region)
        key = {CASES.hash_key.name: {"S": "health-probe"}}
        client.get_item(TableName=settings.table_name(CASES.logical_name), Key=key)

    return probe


def s3_probe(settings: Settings) -> Any:
    def probe() -> None:
        from botocore.exceptions import ClientError

        client = make_client("s3", settings.region)
        try:
            # A key that never exists, read with the app's GetObject right: "no such key" (or, without
            # list rights in AWS, "access denied") is S3 answering for this bucket.
            client.get_object(Bucket=settings.image_bucket, Key=f"health/{secrets.token_hex(8)}")
        except ClientError as exc:
            if error_code(exc) not in {"NoSuchKey", "AccessDenied", "404", "403"}:
                raise

    return probe


def key_probe(container: Any) -> Any:
    def probe() -> None:
        from functions.crypto.keyring import key_context

        # A fresh data key under the application's own context (the field key's policy allows no
        # other): what sealing a field does first.
        container.key_provider.generate_data_key(key_context("health", "probe"))

    return probe


def directory_probe(settings: Settings) -> Any:
    def probe() -> None:
        make_client("cognito-idp", settings.region).list_users(UserPoolId=settings.user_pool_id, Limit=1)

    return probe


def websocket_probe(settings: Settings) -> Any:
    def probe() -> None:
        from botocore.exceptions import ClientError

        from functions.signaling.adapters import management_endpoint

        client = make_client("apigatewaymanagementapi", settings.region, endpoint_url=management_endpoint(settings))
        try:
            client.post_to_connection(ConnectionId=PROBE_CONNECTION_ID, Data=b"{}")
        except ClientError as exc:
            if error_code(exc) != "GoneException":  # the API answered: no such connection
                raise DependencyUnavailable("The WebSocket API refused the probe.") from exc

    return probe
