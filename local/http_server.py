"""The one HTTP port: the SPA, `/api` (REST through API Gateway emulation), `/ws` (WebSocket
emulation), `/config.json`, API Gateway's management API and the local job trigger.

aiohttp runs its own event loop in a background thread; every Lambda handler runs in the worker
pool, never on the loop, because handlers call back into this same server (@connections).
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import socket
import ssl
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from pathlib import Path

from aiohttp import web

from infrastructure.web_security import content_security_policy, response_headers
from local.outbox import OUTBOX_PATH
from local.rest_gateway import RestGateway
from local.scheduler import Scheduler
from local.ws_gateway import WS_PATH, WebSocketGateway, is_local_caller

log = logging.getLogger("local")

API_PREFIX = "/api"
JOBS_PATH = "/_local/jobs"

# The web app manifest's own type (Python's table does not know the extension).
mimetypes.add_type("application/manifest+json", ".webmanifest")
# S3 on the stack's own origin: presigned POSTs and GETs are made for `<base>/s3`, so a phone on the
# LAN (which cannot reach moto on 127.0.0.1, and may not load http from an https page) can use them.
S3_PREFIX = "/s3"
# What a presigned GET carries in its query (SigV4): a caller off this machine must bring all of them.
PRESIGNED_QUERY = frozenset({"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-Signature"})
_HOP_BY_HOP = frozenset({"host", "connection", "keep-alive", "transfer-encoding", "upgrade", "content-length"})
# API Gateway's payload limit for REST requests.
MAX_REQUEST_BYTES = 10 * 1024 * 1024
# Hop-by-hop and framing headers are aiohttp's business, not the handler's.
_DROPPED_RESPONSE_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})

MISSING_SPA = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DermaFollow (local)</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The web app is not built yet</h1>
<p>The local API is running at <code>/api</code>, but <code>web/dist</code> does not exist.</p>
<p>Build it with <code>make web-build</code> (or start everything with <code>make run</code>),
then reload this page.</p>
</body></html>
"""


@web.middleware
async def access_log(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                     ) -> web.StreamResponse:
    # One line per request: method, path (never the query: a WebSocket ticket travels there), status,
    # duration. Never bodies or headers: they carry PHI and tokens.
    started = time.monotonic()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        log.info("%s %s %d %.0fms", request.method, request.path, status, (time.monotonic() - started) * 1000)


def build_web_app(rest: RestGateway, ws: WebSocketGateway, scheduler: Scheduler | None, executor: Executor,
                  static_dir: Path | None, s3_endpoint: str | None = None,
                  outbox: Callable[[], str] | None = None, s3_buckets: frozenset[str] = frozenset()
                  ) -> web.Application:
    app = web.Application(middlewares=[access_log], client_max_size=MAX_REQUEST_BYTES)

    async def handle_rest(request: web.Request) -> web.StreamResponse:
        # The raw path keeps percent-escapes, exactly what `chalice local` hands the gateway.
        path = request.raw_path[len(API_PREFIX):] or "/"
        if path.startswith("?"):
            path = "/" + path
        headers: dict[str, str] = {}
        for key, value in request.headers.items():
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        body = await request.read() if request.body_exists else None
        loop = asyncio.get_running_loop()
        try:
            status, out_headers, raw = await loop.run_in_executor(
                executor, rest.respond, request.method, path, headers, body
            )
        except Exception:
            log.exception("the REST gateway failed on %s %s", request.method, request.path)
            return web.json_response({"message": "Internal server error"}, status=500)
        clean = {k: v for k, v in out_headers.items() if k.lower() not in _DROPPED_RESPONSE_HEADERS}
        return web.Response(status=status, headers=clean, body=raw)

    async def handle_config(request: web.Request) -> web.StreamResponse:
        # Built from the Host the browser used, so a phone on the LAN gets an address it can reach.
        scheme = "wss" if request.secure else "ws"
        return web.json_response(
            {"apiUrl": API_PREFIX, "wsUrl": f"{scheme}://{request.host}{WS_PATH}"},
            headers={"Cache-Control": "no-store"},
        )

    async def list_jobs(request: web.Request) -> web.StreamResponse:
        _require_local(request)
        jobs = scheduler.jobs if scheduler else {}
        return web.json_response(
            {"jobs": [{"name": j.name, "schedule": j.expression, "problem": j.problem} for j in jobs.values()]}
        )

    async def run_job(request: web.Request) -> web.StreamResponse:
        _require_local(request)
        name = request.match_info["name"]
        if scheduler is None or name not in scheduler.jobs:
            known = sorted(scheduler.jobs) if scheduler else []
            return web.json_response({"job": name, "status": "unknown", "known": known}, status=404)
        loop = asyncio.get_running_loop()
        try:
            elapsed = await loop.run_in_executor(executor, scheduler.run_now, name)
        except Exception as exc:
            return web.json_response({"job": name, "status": "failed", "error": type(exc).__name__}, status=500)
        return web.json_response({"job": name, "status": "ok", "ms": round(elapsed, 1)})

    async def handle_outbox(request: web.Request) -> web.StreamResponse:
        _require_local(request)  # the invitations carry temporary passwords
        if outbox is None:
            raise web.HTTPNotFound()
        return web.Response(text=outbox(), content_type="text/html", headers={"Cache-Control": "no-store"})

    async def handle_static(request: web.Request) -> web.StreamResponse:
        return _serve_spa(request, static_dir)

    async def handle_s3(request: web.Request) -> web.StreamResponse:
        # A plain reverse proxy: S3 (moto) sees the same method, path, query, headers and body.
        if s3_endpoint is None:
            raise web.HTTPNotFound()
        if not is_local_caller(request) and not is_presigned_s3_request(
                request.method, request.path[len(S3_PREFIX):], set(request.query),
                request.content_type, s3_buckets):
            raise web.HTTPForbidden(text="Only callers on this machine may use this.")
        import aiohttp

        target = s3_endpoint + (request.raw_path[len(S3_PREFIX):] or "/")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        body = await request.read() if request.body_exists else None
        async with aiohttp.ClientSession(auto_decompress=False) as session, session.request(
            request.method, target, headers=headers, data=body, allow_redirects=False
        ) as answer:
            raw = await answer.read()
            out = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP}
            return web.Response(status=answer.status, headers=out, body=raw)

    app.router.add_route("*", API_PREFIX, handle_rest)
    # [\s\S], not ".": a path parameter may hold an escaped newline (%0A), which API Gateway hands to
    # the function (to be refused there as a bad id) instead of answering for a path nobody serves.
    app.router.add_route("*", API_PREFIX + "/{tail:[\\s\\S]*}", handle_rest)
    app.router.add_routes(ws.routes())
    app.router.add_get("/config.json", handle_config)
    app.router.add_route("*", S3_PREFIX + "/{tail:.*}", handle_s3)
    app.router.add_get(JOBS_PATH, list_jobs)
    app.router.add_post(JOBS_PATH + "/{name}", run_job)
    app.router.add_get(OUTBOX_PATH, handle_outbox)
    app.router.add_get("/{tail:.*}", handle_static)
    return app


def is_presigned_s3_request(method: str, path: str, query: set[str], content_type: str,
                            buckets: frozenset[str]) -> bool:
    """What a browser off this machine (a phone on the LAN) may ask of S3 through `/s3`: a presigned
    GET (or HEAD) of an object, or a presigned POST form to a bucket, of the stack's own buckets only.

    Everything else S3 (moto) answers without credentials: listings, plain reads and writes, deletes,
    moto's own `/moto-api` (reset, every service's state). Moto checks no signature, so this is the
    shape of a presigned request, not proof of one: the stack is for development, never real PHI.
    """
    bucket, _, key = path.lstrip("/").partition("/")
    if bucket not in buckets:
        return False
    if method in ("GET", "HEAD"):
        return bool(key) and query.issuperset(PRESIGNED_QUERY)
    if method == "POST":
        return not key and not query and content_type == "multipart/form-data"
    return False


def _require_local(request: web.Request) -> None:
    if not is_local_caller(request):
        raise web.HTTPForbidden(text="Only callers on this machine may use this.")


def spa_security_headers(request: web.Request) -> dict[str, str]:
    """The headers CloudFront sends with the app in AWS, for this host: its own WebSocket endpoint,
    and photos through /s3 on the same origin."""
    scheme = "wss" if request.secure else "ws"
    csp = content_security_policy(websocket_origins=[f"{scheme}://{request.host}"], image_origins=[])
    return response_headers(csp, https=request.secure)


def _serve_spa(request: web.Request, static_dir: Path | None) -> web.StreamResponse:
    index = static_dir / "index.html" if static_dir else None
    if static_dir is None or index is None or not index.is_file():
        return web.Response(status=503, text=MISSING_SPA, content_type="text/html")
    security = spa_security_headers(request)
    root = static_dir.resolve()
    relative = request.path.lstrip("/")
    if relative:
        candidate = (root / relative).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            # Vite fingerprints everything under assets/: cache it for good; the rest must revalidate.
            immutable = candidate.parent.name == "assets"
            cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
            return web.FileResponse(candidate, headers={"Cache-Control": cache, **security})
        if Path(relative).suffix and Path(relative).suffix != ".html":
            raise web.HTTPNotFound()  # a missing asset is an error, not a client route
    # Client-side routes (/cases/123) get the app shell.
    return web.FileResponse(index, headers={"Cache-Control": "no-cache", **security})


class HttpServer:
    """Runs the aiohttp app on pre-bound sockets in a background event loop."""

    def __init__(self, app: web.Application, listeners: list[tuple[socket.socket, ssl.SSLContext | None]],
                 before_shutdown: Callable[[], Awaitable[None]] | None = None) -> None:
        self._app = app
        self._listeners = listeners
        self._before_shutdown = before_shutdown
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run_loop, name="local-http", daemon=True)
        self._runner: web.AppRunner | None = None

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=60)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    async def _start(self) -> None:
        self._runner = web.AppRunner(self._app, access_log=None, handle_signals=False, shutdown_timeout=5)
        await self._runner.setup()
        for sock, context in self._listeners:
            await web.SockSite(self._runner, sock, ssl_context=context).start()

    async def _stop(self) -> None:
        if self._before_shutdown is not None:
            await self._before_shutdown()
        if self._runner is not None:
            await self._runner.cleanup()
