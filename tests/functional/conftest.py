"""Functional tests: the Chalice app behind API Gateway emulation, against a moto server.

moto runs in server mode (as in the local stack) so the JWKS is fetched over real HTTP.
Each test gets a freshly reset moto with provisioned tables, user pool and demo users.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
import requests
from chalice.test import Client

from functions.bootstrap import get_container, reset_container
from functions.shared.tables import TABLES
from infrastructure.identity import PROFILE_SCHEMA
from local.moto_aws import MotoServer
from local.rest_gateway import RestGateway
from tests.functional.answers import check_answer

REGION = "eu-west-1"
PASSWORD = "Test-pass-2026!"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    # The local stack's server: DynamoDB atomic per request as the real one is (the contention tests
    # race conditional writes); TOTP codes unchecked unless a test asks (totp_checked).
    server = MotoServer(check_totp=False)
    server.start()
    yield server.endpoint
    server.stop()


@dataclass
class User:
    username: str
    user_id: str
    groups: list[str]
    token: str = ""

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    endpoint: str
    pool_id: str
    client_id: str
    client: Client
    users: dict[str, User] = field(default_factory=dict)
    cases: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, user: str | None = None, body: Any = None,
                raw: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
        sent = dict(headers or {})
        if user:
            sent.update(self.users[user].auth)
        payload = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        if payload:
            sent.setdefault("content-type", "application/json")
        response = self.client.http.request(method, path, headers=sent, body=payload)
        check_answer(method, path, response)  # what the route declares it answers (tests/functional/answers.py)
        return response


def _env(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "STAGE": "local",  # the Chalice test client applies the local stage environment too
        "TABLE_PREFIX": "dermafollow-local-",
        "XRAY_ENABLED": "false",
        "AWS_XRAY_SDK_ENABLED": "false",
        "WS_PUBLIC_URL": "ws://127.0.0.1/ws",
    }


def _provision(endpoint: str) -> tuple[str, str]:
    ddb = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint)
    for spec in TABLES:
        name = f"dermafollow-local-{spec.logical_name}"
        ddb.create_table(**spec.create_table_kwargs(name))
        if spec.ttl_attribute:
            ddb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute}
            )
    # The project key: cases and records seal their clinical fields under data keys from it.
    kms = boto3.client("kms", region_name=REGION, endpoint_url=endpoint)
    key_id = kms.create_key(Description="dermafollow-local data")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/dermafollow-local", TargetKeyId=key_id)
    idp = boto3.client("cognito-idp", region_name=REGION, endpoint_url=endpoint)
    pool_id = idp.create_user_pool(PoolName="dermafollow-test", Schema=PROFILE_SCHEMA)["UserPool"]["Id"]
    for group in ("patient", "doctor", "admin"):
        idp.create_group(UserPoolId=pool_id, GroupName=group)
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="spa",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def create_user(endpoint: str, pool_id: str, username: str, groups: list[str]) -> str:
    idp = boto3.client("cognito-idp", region_name=REGION, endpoint_url=endpoint)
    created = idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
    attrs = {a["Name"]: a["Value"] for a in created["User"]["Attributes"]}
    return str(attrs["sub"])


@pytest.fixture
def world(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10)
    for key, value in _env(moto_endpoint).items():
        monkeypatch.setenv(key, value)
    pool_id, client_id = _provision(moto_endpoint)
    monkeypatch.setenv("USER_POOL_ID", pool_id)
    monkeypatch.setenv("USER_POOL_CLIENT_ID", client_id)
    monkeypatch.setenv("JWKS_URL", f"{moto_endpoint}/{pool_id}/.well-known/jwks.json")
    reset_container()

    from app import app

    client = Client(app, stage_name="local")
    # API Gateway answers 401 when the authorizer fails with "Unauthorized"; see local/rest_gateway.py.
    client.http._local_gateway = RestGateway(app)
    world = World(endpoint=moto_endpoint, pool_id=pool_id, client_id=client_id, client=client)

    for username, groups in {
        "pat.a": ["patient"],
        "pat.b": ["patient"],
        "dr.one": ["doctor"],
        "dr.two": ["doctor"],
        "dr.three": ["doctor"],
        "ops": ["admin"],
        "nobody": [],
    }.items():
        world.users[username] = User(username, create_user(moto_endpoint, pool_id, username, groups), groups)

    container = get_container()
    users = world.users
    case_a = container.cases.create_record(users["pat.a"].user_id, "Plaque psoriasis", ["elbow_left"], None)
    container.access.open_case(case_a.case_id, users["pat.a"].user_id, [users["dr.one"].user_id], "seed")
    case_b = container.cases.create_record(users["pat.b"].user_id, "Atopic dermatitis", ["hand_right"], None)
    container.access.open_case(case_b.case_id, users["pat.b"].user_id, [users["dr.two"].user_id], "seed")
    world.cases = {"a": case_a.case_id, "b": case_b.case_id}

    for user in users.values():
        if user.groups:
            response = world.request("POST", "/auth/login", body={"username": user.username, "password": PASSWORD})
            assert response.status_code == 200, response.body
            user.token = response.json_body["accessToken"]
        else:
            idp = boto3.client("cognito-idp", region_name=REGION, endpoint_url=moto_endpoint)
            user.token = idp.initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH", ClientId=client_id,
                AuthParameters={"USERNAME": user.username, "PASSWORD": PASSWORD},
            )["AuthenticationResult"]["AccessToken"]
    yield world
    reset_container()
    os.environ.pop("AWS_ENDPOINT_URL", None)


@pytest.fixture
def s3(world: World) -> Iterator[Any]:
    """The image bucket, versioned as in AWS (a plain delete would keep the original as a version)."""
    from functions.shared.settings import get_settings

    client = boto3.client("s3", region_name=REGION, endpoint_url=world.endpoint)
    bucket = get_settings().image_bucket
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    yield client
