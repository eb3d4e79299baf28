"""The lazy composition root: builds clients, adapters and services on first use.

Nothing is created at import (cold start, and SnapStart would clone anything random). Tests call
`reset_container()` after changing the environment.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING, Any

from functions.shared.settings import Settings, get_settings

if TYPE_CHECKING:
    from functions.access.service import AccessPolicy
    from functions.audit.service import AuditTrail
    from functions.cases.service import CasesService
    from functions.crypto.keyring import DataKeyManager
    from functions.crypto.ports import KeyProvider
    from functions.crypto.sealer import EnvelopeSealer
    from functions.emr.service import RecordsService
    from functions.identity.directory import CognitoDirectory
    from functions.identity.service import ConnectTicketService, SessionService
    from functions.identity.tokens import JwksTokenVerifier
    from functions.images.adapters import DynamoIntentStore, DynamoPhotoStore, S3ObjectStore
    from functions.images.service import PhotoProcessor, PhotoService
    from functions.lesions.adapters import DynamoLesionStore
    from functions.lesions.service import LesionService
    from functions.scores.service import ScoreService
    from functions.signaling.adapters import DynamoConnectionRegistry, ManagementApiNotifier
    from functions.signaling.service import SignalingService
    from functions.timeline.adapters import DynamoTimelineStore
    from functions.timeline.service import TimelineService
    from functions.visits.adapters import DynamoRoomStore
    from functions.visits.ice import IceServerService
    from functions.visits.service import VisitService


class Container:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.RLock()

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

        return CognitoDirectory(lambda: self.cognito, self.settings.user_pool_id)

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
        from functions.audit.service import AccessRefusalAuditor
        from functions.shared.dynamo import bind_model
        from functions.shared.tables import CASE_ACCESS

        bind_model(CaseAccessModel, CASE_ACCESS, self.settings)
        return AccessPolicy(DynamoGrantStore(), refusals=AccessRefusalAuditor(lambda: self.audit))

    @cached_property
    def cases(self) -> CasesService:
        from functions.audit.service import CaseReadAuditor
        from functions.cases.adapters import CaseModel, DynamoCaseStore
        from functions.cases.service import CasesService
        from functions.shared.dynamo import bind_model
        from functions.shared.tables import CASES

        bind_model(CaseModel, CASES, self.settings)
        return CasesService(DynamoCaseStore(self.field_sealer), self.access, self.directory,
                            audit=CaseReadAuditor(self.audit))

    # --- timeline ---------------------------------------------------------------------------
    @cached_property
    def timeline_store(self) -> DynamoTimelineStore:
        from functions.shared.dynamo import bind_model
        from functions.shared.tables import TIMELINE
        from functions.timeline.adapters import DynamoTimelineStore, TimelineModel

        bind_model(TimelineModel, TIMELINE, self.settings)
        return DynamoTimelineStore()

    @cached_property
    def timeline(self) -> TimelineService:
        from functions.timeline.service import TimelineService

        return TimelineService(self.timeline_store, self.access)

    # --- case tracking: lesions, photos, scores ---------------------------------------------
    @cached_property
    def lesion_store(self) -> DynamoLesionStore:
        from functions.lesions.adapters import DynamoLesionStore, LesionModel
        from functions.shared.dynamo import bind_model
        from functions.shared.tables import LESIONS

        bind_model(LesionModel, LESIONS, self.settings)
        return DynamoLesionStore(self.field_sealer)

    @cached_property
    def lesions(self) -> LesionService:
        from functions.lesions.service import LesionService

        return LesionService(self.lesion_store, self.access)

    @cached_property
    def image_objects(self) -> S3ObjectStore:
        from functions.images.adapters import S3ObjectStore
        from functions.shared.aws import make_client

        # SigV4 is what presigned POST policies and GET URLs for KMS-encrypted objects need.
        client = make_client("s3", self.settings.region, signature_version="s3v4")
        presigner = None
        if self.settings.s3_public_endpoint:
            presigner = make_client("s3", self.settings.region, endpoint_url=self.settings.s3_public_endpoint,
                                    signature_version="s3v4", s3={"addressing_style": "path"})
        return S3ObjectStore(client, self.settings.image_bucket, presigner)

    @cached_property
    def photo_intents(self) -> DynamoIntentStore:
        from functions.images.adapters import DynamoIntentStore, UploadIntentModel
        from functions.shared.dynamo import bind_model
        from functions.shared.tables import PHOTO_UPLOADS

        bind_model(UploadIntentModel, PHOTO_UPLOADS, self.settings)
        return DynamoIntentStore()

    @cached_property
    def photo_store(self) -> DynamoPhotoStore:
        from functions.images.adapters import DynamoPhotoStore, PhotoModel
        from functions.shared.dynamo import bind_model
        from functions.shared.tables import PHOTOS

        bind_model(PhotoModel, PHOTOS, self.settings)
        return DynamoPhotoStore()

    @cached_property
    def photos(self) -> PhotoService:
        from functions.images.service import PhotoService

        return PhotoService(self.photo_intents, self.photo_store, self.image_objects, self.access, self.lesion_store,
                            self.audit, self.timeline_store)

    @cached_property
    def photo_processor(self) -> PhotoProcessor:
        from functions.images.service import PhotoProcessor

        return PhotoProcessor(self.photo_intents, self.photo_store, self.image_objects, self.settings.image_bucket,
                              self.timeline_store)

    @cached_property
    def scores(self) -> ScoreService:
        from functions.scores.adapters import DynamoScoreStore, ScoreModel
        from functions.scores.service import ScoreService
        from functions.shared.dynamo import bind_model
        from functions.shared.tables import SCORES

        bind_model(ScoreModel, SCORES, self.settings)
        return ScoreService(DynamoScoreStore(self.field_sealer), self.access, self.timeline_store, visits=self.rooms)

    # --- visits and signaling ---------------------------------------------------------------
    @cached_property
    def connections(self) -> DynamoConnectionRegistry:
        from functions.shared.dynamo import bind_model
        from functions.shared.tables import CONNECTIONS
        from functions.signaling.adapters import ConnectionModel, DynamoConnectionRegistry

        bind_model(ConnectionModel, CONNECTIONS, self.settings)
        return DynamoConnectionRegistry()

    @cached_property
    def peer_notifier(self) -> ManagementApiNotifier:
        from functions.signaling.adapters import ManagementApiNotifier

        return ManagementApiNotifier(self.settings, self.connections)

    @cached_property
    def rooms(self) -> DynamoRoomStore:
        from functions.shared.dynamo import bind_model
        from functions.shared.tables import VISITS
        from functions.visits.adapters import DynamoRoomStore, VisitModel

        bind_model(VisitModel, VISITS, self.settings)
        return DynamoRoomStore()

    @cached_property
    def visits(self) -> VisitService:
        from functions.shared.dynamo import bind_model
        from functions.shared.tables import WAITING_ROOM
        from functions.signaling.service import UserFanout
        from functions.visits.adapters import DynamoQueueStore, WaitingModel
        from functions.visits.service import VisitService

        bind_model(WaitingModel, WAITING_ROOM, self.settings)
        fanout = UserFanout(self.connections, self.peer_notifier)
        return VisitService(self.rooms, DynamoQueueStore(), self.access, fanout, timeline=self.timeline_store)

    @cached_property
    def ice_servers(self) -> IceServerService:
        from functions.visits.ice import IceServerService, secrets_manager_reader

        settings = self.settings
        if settings.turn_secret_id:
            secret = secrets_manager_reader(self.client("secretsmanager"), settings.turn_secret_id)
        else:
            configured = settings.turn_secret

            def secret() -> str:
                return configured

        return IceServerService(settings.stun_urls, settings.turn_urls, secret, settings.turn_ttl_seconds)

    @cached_property
    def signaling(self) -> SignalingService:
        from functions.signaling.service import SignalingService

        return SignalingService(self.connections, self.peer_notifier, self.visits, self.rooms)


    # --- medical record: field encryption, audit trail --------------------------------------
    @cached_property
    def key_provider(self) -> KeyProvider:
        from functions.crypto.ports import KeyUnavailable

        settings = self.settings
        if settings.key_provider == "local":
            from pathlib import Path

            from functions.crypto.local_keys import LocalKeyProvider

            # A key file is for the embedded local stack only; a deployed stage must use KMS.
            if settings.stage in ("dev", "prod") or not settings.local_key_file:
                raise KeyUnavailable("KEY_PROVIDER=local needs LOCAL_KEY_FILE and the local stage.",
                                     code="key_not_configured")
            return LocalKeyProvider(Path(settings.local_key_file))
        if settings.key_provider != "kms":
            raise KeyUnavailable("KEY_PROVIDER must be kms or local.", code="key_not_configured")
        from functions.crypto.kms import KmsKeyProvider

        return KmsKeyProvider(lambda: self.client("kms"), settings.kms_key_id)

    @cached_property
    def data_keys(self) -> DataKeyManager:
        from functions.crypto.adapters import DataKeyModel, DynamoDataKeyStore
        from functions.crypto.cache import CacheLimits, DataKeyCache
        from functions.crypto.keyring import DataKeyManager
        from functions.shared.dynamo import bind_model
        from functions.shared.tables import DATA_KEYS

        bind_model(DataKeyModel, DATA_KEYS, self.settings)
        limits = CacheLimits(self.settings.data_key_max_age_seconds, self.settings.data_key_max_uses,
                             self.settings.data_key_cache_entries)
        return DataKeyManager(self.key_provider, DynamoDataKeyStore(), DataKeyCache(limits))

    @cached_property
    def field_sealer(self) -> EnvelopeSealer:
        from functions.crypto.sealer import EnvelopeSealer

        return EnvelopeSealer(self.data_keys)

    @cached_property
    def audit(self) -> AuditTrail:
        from functions.audit.adapters import AuditHeadModel, AuditModel, DynamoAuditStore, S3AnchorStore
        from functions.audit.service import AuditTrail
        from functions.shared.dynamo import bind_model
        from functions.shared.tables import AUDIT_LOG

        bind_model(AuditModel, AUDIT_LOG, self.settings)
        bind_model(AuditHeadModel, AUDIT_LOG, self.settings)
        bucket = self.settings.audit_anchor_bucket
        anchors = S3AnchorStore(lambda: self.client("s3"), bucket) if bucket else None
        return AuditTrail(DynamoAuditStore(), anchors, self.settings.audit_chains)

    @cached_property
    def records(self) -> RecordsService:
        from functions.cases.adapters import CaseModel, DynamoCaseStore
        from functions.emr.adapters import (
            CapabilitySources,
            CasePatients,
            DynamoRecordStore,
            RecordModel,
            RecordVersionModel,
            VisitCases,
        )
        from functions.emr.service import RecordsService
        from functions.scores.adapters import DynamoScoreStore, ScoreModel
        from functions.shared.dynamo import bind_model
        from functions.shared.tables import CASES, RECORD_VERSIONS, RECORDS, SCORES

        settings = self.settings
        bind_model(RecordModel, RECORDS, settings)
        bind_model(RecordVersionModel, RECORD_VERSIONS, settings)
        bind_model(CaseModel, CASES, settings)
        bind_model(ScoreModel, SCORES, settings)
        sources = CapabilitySources(self.rooms, self.photo_store, DynamoScoreStore(self.field_sealer),
                                    lambda: self.cognito, settings.user_pool_id)
        return RecordsService(
            DynamoRecordStore(self.field_sealer), self.access, CasePatients(DynamoCaseStore(self.field_sealer)),
            VisitCases(self.rooms),
            self.audit, sources, timeline=self.timeline_store,
        )

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
    from functions.shared.dynamo import forget_connections
    from functions.shared.settings import reset_settings

    with _container_lock:
        _container = None
    reset_settings()
    forget_connections()
