"""The lazy composition root: builds clients, adapters and services on first use.

Nothing is created at import (cold start, and SnapStart would clone anything random). Tests call
`reset_container()` after changing the environment.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING, Any

from functions.shared.observability import ensure_tracing
from functions.shared.settings import Settings, get_settings

if TYPE_CHECKING:
    from functions.access.service import AccessPolicy
    from functions.cases.service import CasesService
    from functions.identity.directory import CognitoDirectory
    from functions.identity.service import ConnectTicketService, SessionService
    from functions.identity.tokens import JwksTokenVerifier
    from functions.signaling.service import SignalingService


class Container:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        ensure_tracing(settings.xray_enabled)

    def client(self, service: str) -> Any:
        from functions.shared.aws import make_client

        return make_client(service, self.settings.region)

    # --- identity -------------------------------------------------------------------------
    @cached_property
    def token_verifier(self) -> JwksTokenVerifier:
        from functions.identity.tokens import JwksTokenVerifier, http_jwks_fetcher

        return JwksTokenVerifier(
            issuer=self.settings.issuer,
            client_id=self.settings.user_pool_client_id,
            fetch_jwks=http_jwks_fetcher(self.settings.effective_jwks_url),
            leeway_seconds=self.settings.allowed_clock_skew_seconds,
        )

    @cached_property
    def cognito(self) -> Any:
        return self.client("cognito-idp")

    @cached_property
    def sessions(self) -> SessionService:
        from functions.identity.adapters import CognitoIdentityProvider
        from functions.identity.service import SessionService

        provider = CognitoIdentityProvider(self.cognito, self.settings.user_pool_client_id)
        return SessionService(provider, self.token_verifier)

    @cached_property
    def directory(self) -> CognitoDirectory:
        from functions.identity.directory import CognitoDirectory

        return CognitoDirectory(self.cognito, self.settings.user_pool_id)

    @cached_property
    def connect_tickets(self) -> ConnectTicketService:
        from functions.identity.adapters import ConnectTicketModel, DynamoTicketStore
        from functions.identity.service import ConnectTicketService
        from functions.shared.dynamo import bind_model
        from functions.shared.tables import CONNECT_TICKETS

        bind_model(ConnectTicketModel, CONNECT_TICKETS, self.settings)
        return ConnectTicketService(DynamoTicketStore(), self.settings.connect_ticket_ttl_seconds)

    # --- access and cases -------------------------------------------------------------------
    @cached_property
    def access(self) -> AccessPolicy:
        from functions.access.adapters import CaseAccessModel, DynamoGrantStore
        from functions.access.service import AccessPolicy
        from functions.shared.dynamo import bind_model
        from functions.shared.tables import CASE_ACCESS

        bind_model(CaseAccessModel, CASE_ACCESS, self.settings)
        return AccessPolicy(DynamoGrantStore())

    @cached_property
    def cases(self) -> CasesService:
        from functions.cases.adapters import CaseModel, DynamoCaseStore
        from functions.cases.service import CasesService
        from functions.shared.dynamo import bind_model
        from functions.shared.tables import CASES

        bind_model(CaseModel, CASES, self.settings)
        return CasesService(DynamoCaseStore(), self.access, self.directory)

    # --- signaling --------------------------------------------------------------------------
    @cached_property
    def signaling(self) -> SignalingService:
        from functions.shared.dynamo import bind_model
        from functions.shared.tables import CONNECTIONS
        from functions.signaling.adapters import ConnectionModel, DynamoConnectionRegistry, ManagementApiNotifier
        from functions.signaling.service import SignalingService

        bind_model(ConnectionModel, CONNECTIONS, self.settings)
        registry = DynamoConnectionRegistry()
        notifier = ManagementApiNotifier(self.settings, registry)
        return SignalingService(registry, notifier)


_container: Container | None = None
_container_lock = threading.Lock()


def get_container() -> Container:
    global _container
    if _container is None:
        with _container_lock:
            if _container is None:
                _container = Container(get_settings())
    return _container


def reset_container() -> None:
    """Drop every cached client and service (tests, or after changing the environment)."""
    global _container
    from functions.shared.settings import reset_settings

    with _container_lock:
        _container = None
    reset_settings()
