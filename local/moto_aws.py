"""moto as the local AWS: one in-process server thread every boto3 client and pynamodb talk to."""

from __future__ import annotations

import copy
import logging
import os
import threading
import urllib.request
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from local.net import bind_listener

# Fake credentials: moto accepts anything, and real ones must never reach it (or leave this machine).
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
REGION = "eu-west-1"


class SerialisedDynamoDB:
    """WSGI wrapper that lets one DynamoDB request at a time into moto.

    DynamoDB applies each request atomically: a conditional put checks and writes as one step, a
    transaction's items change together. moto's server answers every request on its own thread
    and its table code reads the item, evaluates the condition, then stores, with nothing held in
    between, so two appenders racing for one audit slot (`attribute_not_exists(seq)`) could both
    pass the check and the second silently overwrite the first: a broken chain that real DynamoDB
    cannot produce. moto runs under the GIL anyway, so one lock costs little throughput; the
    response body is read inside the lock so no other request runs while it is built.
    """

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        # Every DynamoDB and DynamoDB Streams call names its operation in X-Amz-Target.
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            return self._app(environ, start_response)
        with self._lock:
            body = self._app(environ, start_response)
            try:
                return [b"".join(body)]
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()


class _TablesNotCopied:
    """moto's DynamoDB module's view of `copy`: deep copies of anything but a whole table."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def transactions_undo_items_not_tables() -> None:
    """Make moto's TransactWriteItems keep the items it touches for its rollback, not whole tables.

    moto backs up every table a transaction names with a deep copy before it starts, so each
    transaction costs time in proportion to everything stored: an audit append with a staged change
    deep-copies the whole audit table, a new case's data key the whole key table. The local stack
    slowed as it filled (loading the 400-patient synthetic clinic took minutes instead of seconds),
    and a copy taken while another thread wrote raised "dictionary changed size during iteration".
    Here the transaction keeps a copy of each item it names (at most 100) and puts those back if it
    is cancelled; what it answers is unchanged. Idempotent.
    """
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType

    backend = models.DynamoDBBackend
    if getattr(backend.transact_write_items, "undoes_items", False):
        return
    original = backend.transact_write_items
    setattr(models, "copy", _TablesNotCopied())  # noqa: B010  (its rollback then swaps a table for itself)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved: list[tuple[Any, Any, Any, Any]] = []
        for entry in transact_items:
            if len(entry) != 1:
                continue  # moto refuses it before writing anything
            kind, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
            if table is None or kind == "ConditionCheck":
                continue
            key = op.get("Key") if kind != "Put" else op.get("Item")
            attributes = [table.hash_key_attr, *([table.range_key_attr] if table.range_key_attr else [])]
            if not isinstance(key, dict) or any(name not in key for name in attributes):
                continue  # refused as invalid before anything is written
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            if table.range_key_attr:
                current = table.items.get(hash_value, {}).get(range_value)
            else:
                current = table.items.get(hash_value)
            saved.append((table, hash_value, range_value, copy.deepcopy(current)))
        try:
            original(self, transact_items)
        except BaseException:
            for table, hash_value, range_value, item in reversed(saved):
                if range_value is None:
                    if item is None:
                        table.items.pop(hash_value, None)
                    else:
                        table.items[hash_value] = item
                    continue
                bucket = table.items[hash_value]
                if item is None:
                    bucket.pop(range_value, None)
                    if not bucket:
                        table.items.pop(hash_value, None)
                else:
                    bucket[range_value] = item
            raise

    transact_write_items.undoes_items = True  # type: ignore[attr-defined]
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]


class MotoServer(ThreadedMotoServer):
    """ThreadedMotoServer that binds in start(), so a busy port raises PortInUseError, and whose
    DynamoDB is atomic per request as DynamoDB is (SerialisedDynamoDB) and rolls a cancelled
    transaction back item by item (transactions_undo_items_not_tables).

    (The stock start() binds inside its thread and waits forever for a ready event that a failed
    bind never sets.)
    """

    def __init__(self, ip_address: str = "127.0.0.1", port: int = 0, check_totp: bool = True) -> None:
        super().__init__(ip_address=ip_address, port=port, verbose=False)
        self._check_totp = check_totp

    def start(self) -> None:
        # werkzeug logs every AWS call at INFO: thousands of lines that say nothing to a developer.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        if self._check_totp:
            # moto accepts any TOTP code unless told to check them; checked, an authenticator set up
            # on the local stack must show the right code. (moto gives every account the same secret.)
            os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
        transactions_undo_items_not_tables()
        # Bind here and hand werkzeug the descriptor: on a busy port werkzeug itself prints to stderr
        # and calls sys.exit (it assumes it is a CLI); bind_listener raises PortInUseError instead.
        sock = bind_listener(self._ip_address, self._port, "--moto-port", blocking=True)
        try:
            app = SerialisedDynamoDB(DomainDispatcherApplication(create_backend_app))
            self._server = make_server(
                self._ip_address, self._port, app, True, request_handler=MotoRequestHandler, fd=sock.fileno()
            )
        finally:
            sock.close()  # werkzeug serves on its own duplicate of the descriptor
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()  # the stock stop() leaves the socket open until GC
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    @property
    def endpoint(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

    def reset(self) -> None:
        """Forget every resource. moto's backends are process-wide, so a stack started again in the
        same process (tests, benchmarks) would otherwise see the previous run's data."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()


_session: Any = None
_session_lock = threading.Lock()


def aws_client(service: str, endpoint: str, region: str = REGION) -> Any:
    """A boto3 client for provisioning, seeding and snapshots (never the app's own clients)."""
    global _session
    import boto3

    # One shared session: a new session re-reads every service model (~150 ms a client). Sessions
    # are not thread-safe while building clients, hence the lock; the clients themselves are.
    with _session_lock:
        if _session is None:
            _session = boto3.session.Session(
                aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            )
        return _session.client(service, endpoint_url=endpoint, region_name=region)


def cognito_backend(account_id: str, region: str = REGION) -> Any:
    """moto's in-process Cognito state (the server thread shares this process's memory)."""
    from moto.cognitoidp.models import cognitoidp_backends

    return cognitoidp_backends[account_id][region]


def ses_backend(account_id: str, region: str = REGION) -> Any:
    """moto's SES state: the e-mail the app sent (kept, never delivered)."""
    from moto.ses.models import ses_backends

    return ses_backends[account_id][region]


def sns_backend(account_id: str, region: str = REGION) -> Any:
    """moto's SNS state: the SMS the app sent (kept in `sms_messages`, never delivered)."""
    from moto.sns.models import sns_backends

    return sns_backends[account_id][region]
