"""A quiet backend for benchmarks: moto in its own process (no gateway threads competing for the
GIL), provisioned and seeded with the same code as the local stack."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from functions.bootstrap import reset_container
from local.env import EnvironmentPatch, base_environment
from local.moto_aws import aws_client
from local.provision import provision
from local.seed import seed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(endpoint: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("moto server did not start")


@contextmanager
def seeded_backend() -> Iterator[dict[str, str]]:
    """Yield the environment the app needs; os.environ is set to it for the duration."""
    with moto_backend() as env:
        yield env


@contextmanager
def moto_backend(*, seed_demo: bool = True, management_endpoint: str | None = None,
                 public_ws_url: str = "ws://127.0.0.1/ws") -> Iterator[dict[str, str]]:
    """A provisioned moto in its own process; os.environ points the app at it for the duration.

    `management_endpoint`: where the app posts to sockets (default: moto's own management API, which
    records frames). Give a running LocalStack's endpoint to keep its gateway in front while the
    data lives here, on the other core. The previous environment comes back on exit.
    """
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    patch = EnvironmentPatch()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        _wait_until_up(endpoint)
        env = base_environment(endpoint)
        # Benchmarks run the deployed configuration: data keys come from (moto's) KMS.
        env["KEY_PROVIDER"] = "kms"
        patch.set(env)
        patch.remove()
        resources = provision(endpoint, env)
        env.update({
            "USER_POOL_ID": resources.user_pool_id,
            "USER_POOL_CLIENT_ID": resources.user_pool_client_id,
            "JWKS_URL": f"{endpoint}/{resources.user_pool_id}/.well-known/jwks.json",
            "WS_MANAGEMENT_ENDPOINT": management_endpoint or endpoint,
            "WS_PUBLIC_URL": public_ws_url,
        })
        patch.set(env)
        reset_container()
        if seed_demo:
            seed(aws_client("cognito-idp", endpoint, env["AWS_REGION"]), resources.user_pool_id)
        yield dict(os.environ)
    finally:
        reset_container()
        patch.restore()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()  # a loaded machine can keep werkzeug's threads busy past the grace period
            server.wait(timeout=10)
