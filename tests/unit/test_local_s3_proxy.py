"""The local stack's `/s3` proxy: a phone on the LAN may use presigned URLs of the stack's own buckets
and nothing else moto would answer without credentials (listings, plain reads, deletes, /moto-api)."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer, make_mocked_request

from local.http_server import build_web_app, is_presigned_s3_request

BUCKET = "dermafollow-local-images"
BUCKETS = frozenset({BUCKET})
SIGNED = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-Signature"}


@pytest.mark.parametrize(("method", "path", "query", "content_type", "allowed"), [
    ("GET", f"/{BUCKET}/cases/c1/photos/p1/full.jpg", SIGNED, "", True),
    ("HEAD", f"/{BUCKET}/cases/c1/photos/p1/full.jpg", SIGNED, "", True),
    ("POST", f"/{BUCKET}", set(), "multipart/form-data", True),
    ("POST", f"/{BUCKET}/", set(), "multipart/form-data", True),
    ("GET", f"/{BUCKET}/cases/c1/photos/p1/full.jpg", set(), "", False),  # unsigned read
    ("GET", f"/{BUCKET}/cases/c1/photos/p1/full.jpg", SIGNED - {"X-Amz-Signature"}, "", False),
    ("GET", f"/{BUCKET}", SIGNED, "", False),  # a listing
    ("GET", f"/{BUCKET}/", {"versions"}, "", False),
    ("DELETE", f"/{BUCKET}/cases/c1/photos/p1/full.jpg", SIGNED, "", False),
    ("PUT", f"/{BUCKET}/uploads/c1/p1", SIGNED, "image/jpeg", False),
    ("POST", f"/{BUCKET}", {"delete"}, "application/xml", False),  # DeleteObjects
    ("POST", f"/{BUCKET}/uploads/c1/p1", set(), "multipart/form-data", False),
    ("GET", "/dermafollow-local-audit/anchors/x", SIGNED, "", False),  # not a bucket browsers use
    ("GET", "/moto-api/data.json", SIGNED, "", False),
    ("POST", "/moto-api/reset", set(), "multipart/form-data", False),
])
def test_only_presigned_requests_to_the_stacks_buckets(method: str, path: str, query: set[str], content_type: str,
                                                       allowed: bool) -> None:
    assert is_presigned_s3_request(method, path, query, content_type, BUCKETS) is allowed


def _proxied(remote: str, method: str, path: str) -> tuple[int, list[str]]:
    """Send one request through the app's `/s3` route as if from `remote`; the S3 stand-in records what
    reached it."""
    seen: list[str] = []

    async def s3(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.path_qs}")
        return web.Response(text="ok")

    async def run() -> int:
        s3_app = web.Application()
        s3_app.router.add_route("*", "/{tail:.*}", s3)
        server = TestServer(s3_app)
        await server.start_server()
        try:
            ws = mock.Mock()
            ws.routes.return_value = []
            endpoint = str(server.make_url("")).rstrip("/")
            app = build_web_app(mock.Mock(), ws, None, mock.Mock(), None, s3_endpoint=endpoint, s3_buckets=BUCKETS)
            transport = mock.Mock()
            transport.get_extra_info.side_effect = lambda name, default=None: (
                (remote, 50000) if name == "peername" else default)
            request = make_mocked_request(method, path, app=app, transport=transport)
            match = await app.router.resolve(request)
            request._match_info = match  # type: ignore[attr-defined]
            match.add_app(app)
            try:
                response: Any = await match.handler(request)
            except web.HTTPException as refused:
                return refused.status
            return int(response.status)
        finally:
            await server.close()

    return asyncio.run(run()), seen


def test_a_lan_caller_cannot_list_the_bucket_or_reach_moto_api() -> None:
    for path in (f"/s3/{BUCKET}?versions", "/s3/moto-api/data.json", f"/s3/{BUCKET}/cases/c1/photos/p1/full.jpg"):
        status, seen = _proxied("192.168.1.20", "GET", path)
        assert (status, seen) == (403, []), path


def test_a_lan_caller_may_follow_a_presigned_get() -> None:
    query = "&".join(f"{name}=x" for name in sorted(SIGNED))
    status, seen = _proxied("192.168.1.20", "GET", f"/s3/{BUCKET}/cases/c1/photos/p1/full.jpg?{query}")
    assert status == 200 and seen == [f"GET /{BUCKET}/cases/c1/photos/p1/full.jpg?{query}"]


def test_this_machine_keeps_the_plain_proxy() -> None:
    status, seen = _proxied("127.0.0.1", "GET", f"/s3/{BUCKET}?versions")
    assert status == 200 and seen == [f"GET /{BUCKET}?versions"]
