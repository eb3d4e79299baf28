"""LocalStack: the whole backend in one process, for `python -m local.run`, e2e tests and benchmarks.

    with LocalStack(port=0, data_dir=tmp_path) as stack:
        requests.get(stack.api_url + "/health")

Only one stack runs per process at a time: the app reads its settings from os.environ and moto
keeps its state in process-wide backends.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import ssl
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from chalice.app import Chalice

from functions.bootstrap import reset_container
from local.cohort import CohortLoader, lake_environment
from local.env import PROJECT_ROOT, EnvironmentPatch, base_environment
from local.events import EventPoller, find_event_handlers
from local.http_server import API_PREFIX, S3_PREFIX, HttpServer, build_web_app
from local.moto_aws import MotoServer, aws_client, cognito_backend
from local.net import StartupError, bind_listener, bound_port, is_loopback, is_wildcard, lan_addresses, url_host
from local.outbox import OUTBOX_PATH, invitations, outbox_page, sent_messages
from local.persistence import SNAPSHOT_INTERVAL_SECONDS, PeriodicSnapshots, RestoreReport, StateStore, Target
from local.provision import Resources, enable_object_events, provision
from local.rest_gateway import RestGateway
from local.scheduler import Clock, Scheduler, find_jobs
from local.seed import DEMO_ACCOUNTS, DemoAccount, seed
from local.tls import ensure_certificate, server_context
from local.ws_gateway import MANAGEMENT_PATH, WS_PATH, WebSocketGateway

log = logging.getLogger("local")

DEFAULT_STATIC_DIR = PROJECT_ROOT / "web" / "dist"
RUNTIME_FILE = "stack.json"
WORKER_THREADS = 32

_active: LocalStack | None = None
_active_lock = threading.Lock()


class _ManagementSession:
    """A boto3-session stand-in for `app.websocket_api.session`.

    Chalice builds the management endpoint as https://{domainName}/{stage} and AWS_ENDPOINT_URL does
    not override it, so its client is pointed at the local @connections emulation here.
    """

    def __init__(self, endpoint: str, region: str) -> None:
        self._endpoint = endpoint
        self.region_name = region

    def client(self, service_name: str, **kwargs: Any) -> Any:
        import boto3

        kwargs["endpoint_url"] = self._endpoint
        kwargs.setdefault("region_name", self.region_name)
        session: Any = boto3.session.Session()
        return session.client(service_name, **kwargs)


def load_default_app() -> Chalice:
    """The project's app.py (imported only after the environment points at moto)."""
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    module = importlib.import_module("app")
    app: Chalice = module.app
    return app


class LocalStack:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        moto_port: int = 0,
        data_dir: Path | str = "data",
        fresh: bool = False,
        https: bool = False,
        seed: bool = True,
        app: Chalice | None = None,
        static_dir: Path | None = DEFAULT_STATIC_DIR,
        snapshot_interval: float = SNAPSHOT_INTERVAL_SECONDS,
        schedule_clock: Clock | None = None,
        schedule_tick: float = 1.0,
        cohort: int = 0,
    ) -> None:
        """`app`: another Chalice app to serve (tests); default: the project's app.py.
        `fresh`: set saved data aside (to `<data>/state.previous`) and start empty.
        `schedule_clock`/`schedule_tick`: a faster clock for testing schedules.
        `cohort`: patients of the synthetic clinic loaded in the background on a first start (0: none;
        `make run` loads 400)."""
        self.cohort = cohort
        self.host = host
        self.requested_port = port
        self.moto_port = moto_port
        self.data_dir = Path(data_dir).resolve()
        self.fresh = fresh
        self.https = https
        self.seed = seed
        self.static_dir = static_dir
        self._app = app
        self._snapshot_interval = snapshot_interval
        self._schedule_clock = schedule_clock
        self._schedule_tick = schedule_tick
        self._reset_runtime()

    def _reset_runtime(self) -> None:
        self.port = 0
        self.control_port = 0
        self.resources: Resources | None = None
        self.restored: RestoreReport | None = None
        self.set_aside: Path | None = None
        self.app: Chalice | None = None
        self.scheduler: Scheduler | None = None
        self.events: EventPoller | None = None
        self.ws: WebSocketGateway | None = None
        self._running = False
        self._sockets: list[Any] = []
        self._moto: MotoServer | None = None
        self._env = EnvironmentPatch()
        self._executor: ThreadPoolExecutor | None = None
        self._server: HttpServer | None = None
        self._store: StateStore | None = None
        self._target: Target | None = None
        self._snapshots: PeriodicSnapshots | None = None
        self._accounts: tuple[DemoAccount, ...] = ()
        self._data_lock: IO[str] | None = None
        self.cohort_loader: CohortLoader | None = None
        self._lan_ips: list[str] = []

    # --- public API -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running

    @property
    def scheme(self) -> str:
        return "https" if self.https else "http"

    @property
    def base_url(self) -> str:
        """Where a browser on this machine opens the app, e.g. http://127.0.0.1:8000."""
        return f"{self.scheme}://{url_host(self.host)}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def ws_url(self) -> str:
        return f"{'wss' if self.https else 'ws'}://{url_host(self.host)}:{self.port}{WS_PATH}"

    @property
    def control_url(self) -> str:
        """Plain-HTTP loopback address of the same server (management API, job trigger)."""
        return f"http://127.0.0.1:{self.control_port}"

    @property
    def moto_endpoint(self) -> str:
        if self._moto is None:
            raise RuntimeError("the stack is not running")
        return self._moto.endpoint

    @property
    def lan_urls(self) -> list[str]:
        """Addresses for other devices (only when listening on all interfaces)."""
        if not is_wildcard(self.host):
            return []
        return [f"{self.scheme}://{ip}:{self.port}" for ip in self._lan_ips]

    @property
    def demo_accounts(self) -> tuple[DemoAccount, ...]:
        """The demo accounts that exist in this stack's user pool."""
        return self._accounts

    @property
    def certificate(self) -> Path | None:
        return self.data_dir / "tls" / "localhost.crt" if self.https else None

    def client(self, service: str) -> Any:
        """A boto3 client for the stack's moto (tests, scripts)."""
        return aws_client(service, self.moto_endpoint)

    def snapshot(self) -> None:
        """Save the data now (also happens every 30 s and on stop)."""
        if self._store is None or self._target is None:
            raise RuntimeError("the stack is not running")
        self._store.snapshot(self._target)

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        global _active
        with _active_lock:
            if _active is not None:
                raise RuntimeError("another LocalStack is running in this process; stop it first")
            _active = self
        try:
            self._start()
        except BaseException:
            self._teardown(save=False)
            raise
        self._running = True

    def stop(self, *, save: bool = True) -> None:
        """Stop, saving the state for the next start unless `save` is False (a throwaway stack)."""
        if _active is not self:
            return
        self._teardown(save=self._running and save)

    # --- start ----------------------------------------------------------------------------------
    def _start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_data_dir()
        public = bind_listener(self.host, self.requested_port, "--port")
        self._sockets.append(public)
        self.port = bound_port(public)
        listeners: list[tuple[Any, ssl.SSLContext | None]] = [(public, self._tls_context())]
        # Handlers reach the management API over plain HTTP on loopback; the public socket may
        # speak TLS or listen on a LAN address only, so it gets a loopback twin then.
        if self.https or not (is_wildcard(self.host) or is_loopback(self.host)):
            control = bind_listener("127.0.0.1", 0, "--port")
            self._sockets.append(control)
            self.control_port = bound_port(control)
            listeners.append((control, None))
        else:
            self.control_port = self.port

        moto = MotoServer("127.0.0.1", self.moto_port)
        moto.start()
        self._moto = moto
        moto.reset()
        endpoint = moto.endpoint

        # The environment is complete before the app builds any client (the container is lazy).
        env = base_environment(endpoint)
        env["WS_PUBLIC_URL"] = self._public_ws_url()
        env["S3_PUBLIC_ENDPOINT"] = self._public_base_url() + S3_PREFIX
        env["APP_URL"] = self._public_base_url() + "/"
        env["LOCAL_KEY_FILE"] = str(self.data_dir / "keys" / "local-kek.json")
        env.update(lake_environment(self.data_dir))
        env["WS_MANAGEMENT_ENDPOINT"] = self.control_url + MANAGEMENT_PATH
        self._env.remove()
        self._env.set(env)
        reset_container()
        resources = provision(endpoint, env)
        self.resources = resources
        self._env.set(
            {
                "USER_POOL_ID": resources.user_pool_id,
                "USER_POOL_CLIENT_ID": resources.user_pool_client_id,
                "JWKS_URL": f"{endpoint}/{resources.user_pool_id}/.well-known/jwks.json",
            }
        )
        reset_container()

        self._store = StateStore(self.data_dir)
        self._target = Target(endpoint, resources.region, resources.account_id, resources.table_names,
                              resources.user_pool_id)
        if self.fresh:
            self.set_aside = self._store.discard()
        if self._store.exists:
            try:
                self.restored = self._store.restore(self._target)
            except Exception as exc:
                raise StartupError(
                    f"could not restore the saved data in {self._store.dir} ({type(exc).__name__}: {exc}); "
                    "start with --fresh to set it aside"
                ) from exc
        enable_object_events(endpoint, resources.region, resources.image_bucket)
        if self.restored is None and self.seed:
            seed(self.client("cognito-idp"), resources.user_pool_id)
            if self.cohort:
                self.cohort_loader = CohortLoader(self.client("cognito-idp"), resources.user_pool_id, self.cohort)
        users = cognito_backend(resources.account_id, resources.region).user_pools[resources.user_pool_id].users
        self._accounts = tuple(a for a in DEMO_ACCOUNTS if a.username in users)

        app = self._app or load_default_app()
        self.app = app
        if app.websocket_api is not None:
            app.websocket_api.session = _ManagementSession(self.control_url + MANAGEMENT_PATH, resources.region)
            app.websocket_api._client = None  # built lazily from the session; drop one from a previous run

        self._executor = ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="local-lambda")
        self.ws = WebSocketGateway(app, self._executor)
        self.scheduler = Scheduler(find_jobs(app), self._executor, resources.account_id, resources.region,
                                   clock=self._schedule_clock or time.time, tick_seconds=self._schedule_tick)
        self.events = EventPoller(self.client("sqs"), resources.object_events_queue_url, find_event_handlers(app))
        web_app = build_web_app(
            RestGateway(app), self.ws, self.scheduler, self._executor, self.static_dir, s3_endpoint=endpoint,
            s3_buckets=frozenset({resources.image_bucket}),
            outbox=lambda: outbox_page(invitations(resources.account_id, resources.region, resources.user_pool_id)
                                       + sent_messages(resources.account_id, resources.region)),
        )
        self._server = HttpServer(web_app, listeners, before_shutdown=self.ws.close_all)
        self._server.start()
        self._sockets.clear()  # aiohttp owns and closes them now

        self.scheduler.start()
        self.events.start()
        if self.cohort_loader is not None:
            self.cohort_loader.start()
        store, target = self._store, self._target
        self._snapshots = PeriodicSnapshots(lambda: store.snapshot(target), self._snapshot_interval)
        self._snapshots.start()
        self._write_runtime_file()

    def _lock_data_dir(self) -> None:
        # Two stacks saving into one folder would overwrite each other's data.
        import fcntl

        handle = open(self.data_dir / ".lock", "w")  # noqa: SIM115 (held open until stop)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise StartupError(
                f"the data folder {self.data_dir} is in use by another local stack (stop it, or use --data-dir)"
            ) from None
        self._data_lock = handle

    def _tls_context(self) -> ssl.SSLContext | None:
        self._lan_ips = lan_addresses() if is_wildcard(self.host) or self.https else []
        if not self.https:
            return None
        extra = [] if is_wildcard(self.host) or is_loopback(self.host) else [self.host]
        cert, key = ensure_certificate(self.data_dir / "tls", sorted({*self._lan_ips, *extra}))
        return server_context(cert, key)

    def _public_host(self) -> str:
        # On all interfaces with TLS the point is phones on the LAN: hand out the LAN address.
        host = url_host(self.host)
        if is_wildcard(self.host) and self.https and self._lan_ips:
            host = self._lan_ips[0]
        return host

    def _public_ws_url(self) -> str:
        """What POST /ws/tickets hands out."""
        return f"{'wss' if self.https else 'ws'}://{self._public_host()}:{self.port}{WS_PATH}"

    def _public_base_url(self) -> str:
        """Where browsers reach this stack (presigned S3 URLs are made for `<this>/s3`)."""
        return f"{'https' if self.https else 'http'}://{self._public_host()}:{self.port}"

    def _write_runtime_file(self) -> None:
        # `python -m local.run job NAME` finds the running stack through this file.
        info = {"pid": os.getpid(), "url": self.base_url, "controlUrl": self.control_url}
        (self.data_dir / RUNTIME_FILE).write_text(json.dumps(info, indent=1))

    # --- stop -----------------------------------------------------------------------------------
    def _teardown(self, *, save: bool) -> None:
        global _active
        steps: list[tuple[str, Callable[[], None] | None]] = [
            ("synthetic clinic", self.cohort_loader.stop if self.cohort_loader else None),
            ("snapshots", self._snapshots.stop if self._snapshots else None),
            ("scheduler", self.scheduler.stop if self.scheduler else None),
            ("events", self.events.stop if self.events else None),
            ("http server", self._server.stop if self._server else None),
            # Handlers still running after the server stopped (a request past its 5 s shutdown grace,
            # a $disconnect past close_all's 15 s) write on: the snapshot must come after them. A
            # snapshot scans each table in pages, so a write landing between two pages could save an
            # audit chain's head marker ahead of its entries, a chain the next start finds broken.
            ("workers", self._stop_workers if self._executor else None),
            ("final snapshot", self.snapshot if save else None),
            ("moto", self._stop_moto if self._moto else None),
        ]
        for name, step in steps:
            if step is None:
                continue
            try:
                step()
            except Exception:
                log.exception("stopping the local stack: %s failed", name)
        for sock in self._sockets:
            sock.close()
        self._env.restore()
        reset_container()
        if self._data_lock is not None:
            (self.data_dir / RUNTIME_FILE).unlink(missing_ok=True)
            self._data_lock.close()  # releases the lock
        self._reset_runtime()
        with _active_lock:
            if _active is self:
                _active = None

    def _stop_workers(self) -> None:
        assert self._executor is not None
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _stop_moto(self) -> None:
        assert self._moto is not None
        try:
            self._moto.reset()  # free the memory; the next stack starts from its snapshot anyway
        finally:
            self._moto.stop()

    # --- banner ---------------------------------------------------------------------------------
    def banner(self) -> str:
        lines = ["", "DermaFollow local stack is running", ""]
        lines.append(f"  App        {self.base_url}/")
        for url in self.lan_urls:
            lines.append(f"  On the LAN {url}/")
        lines.append(f"  API        {self.api_url}")
        lines.append(f"  WebSocket  {self.ws_url}")
        lines.append(f"  Local AWS  {self.moto_endpoint} (moto)")
        lines.append(f"  Outbox     {self.base_url}{OUTBOX_PATH}  (account invitations, follow-up reminders)")
        if self.restored is not None:
            data_note = f"restored {self.restored}"
        else:
            data_note = "new, empty" if not self._accounts else "new, with demo data"
        every = f"saved every {self._snapshot_interval:.0f} s and on exit"
        lines.append(f"  Data       {self.data_dir} ({data_note}; {every})")
        if self.set_aside:
            lines.append(f"             previous data set aside in {self.set_aside}")
        if self.https and self.certificate:
            lines.append(f"  TLS        self-signed certificate {self.certificate}: accept the browser warning once")
        if self._accounts:
            lines += ["", "  Demo accounts"]
            for account in self._accounts:
                lines.append(f"    {account.role.value:<8} {account.username:<10} password {account.password}")
        if self.scheduler and self.scheduler.jobs:
            names = ", ".join(sorted(self.scheduler.jobs))
            lines += ["", f"  Jobs       {names}  (run one now: python -m local.run job NAME)"]
        lines += ["", "  Stop with Ctrl-C.", ""]
        return "\n".join(lines)
