"""The CloudFront viewer-request function that serves the SPA's own routes, run in Node (the
CloudFront JavaScript runtime is a subset of it): app routes get index.html, files pass through."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from infrastructure.web import SPA_ROUTER_CODE

URIS = {
    "/": "/index.html",
    "/cases/case-0001": "/index.html",
    "/doctor/queue": "/index.html",
    "/index.html": "/index.html",
    "/config.json": "/config.json",
    "/assets/index-3f2a.js": "/assets/index-3f2a.js",
    "/favicon.svg": "/favicon.svg",
}


def test_app_routes_get_index_html_and_files_pass_through() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run the CloudFront function (the web build installs it)")
    script = SPA_ROUTER_CODE + (
        "const uris = JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(uris.map((uri) => handler({request: {uri: uri, headers: {}}}).uri)));"
    )
    result = subprocess.run([node, "-e", script, json.dumps(list(URIS))], capture_output=True, text=True,
                            timeout=30, check=True)
    assert json.loads(result.stdout) == list(URIS.values())
