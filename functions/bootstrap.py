"""The composition root: the one module that knows every capability and wires them together.

Entrypoints (routes, WebSocket handlers, event handlers, command-line tools) ask it for services
with `get_container()` and decorate views with its `endpoint`; services, ports and adapters never
import it, and `functions/shared/` never imports any capability (tests/unit/test_layering.py).

Everything is built on first use: importing this module creates nothing (cold start, and SnapStart
would clone anything random). Each pynamodb model is bound to its physical table once, from
`TABLE_MODELS`, the first time a store of that table is built. Tests call `reset_container()` after
changing the environment.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from functions.shared import http
from functions.shared.auth import Principal, Role
from functions.shared.request_context import case_audited, request_source
from functions.shared.settings import Settings, get_settings
from functions.shared.tables import (
    ANALYTICS_REFERENCE,
    AUDIT_CHECKS,
    AUDIT_LOG,
    CASE_ACCESS,
    CASE_DISCUSSION,
    CASE_REVIEWS,
    CASES,
    CONNECT_TICKETS,
    CONNECTIONS,
    CONSULTATION_READS,
    CONSULTATION_ROUNDS,
    DATA_KEYS,
    FOLLOWUPS,
    LESION_METRICS,
    LESIONS,
    LOGIN_ATTEMPTS,
    NOTICES,
    PHOTO_UPLOADS,
    PHOTOS,
    RECORD_VERSIONS,
    RECORDS,
    SCORES,
    TIMELINE,
    VISIT_RATINGS,
    VISITS,
    WAITING_ROOM,
    TableSpec,
)
from functions.shared.validation import ID_PATTERN, Schema

if TYPE_CHECKING:
    from functions.access.service import AccessPolicy
    from functions.admin.accounts import AccountService
    from functions.admin.health import HealthService
    from functions.analytics.analyses import NightlyAnalyses
    from functions.analytics.export import LakeExport
    from functions.analytics.service import AnalyticsService
    from functions.audit.checks import ChainChecks
    from functions.audit.service import AuditTrail
    from functions.backup.service import BackupService
    from functions.cases.adapters import DynamoCaseStore
    from functions.cases.service import CasesService
    from functions.consultation.adapters import DynamoRoundStore
    from functions.consultation.service import ConsultationService
    from functions.crypto.keyring import DataKeyManager
    from functions.crypto.ports import KeyProvider
    from functions.crypto.sealer import EnvelopeSealer
    from functions.crypto.service import CaseErasure
    from functions.discussion.service import DiscussionService
    from functions.emr.service import EmrService
    from functions.feedback.service import FeedbackService
    from functions.followups.adapters import DynamoFollowupStore, DynamoNoticeStore
    from functions.followups.service import FollowupService, NoticeService, ReminderJob
    from functions.icd10.service import CodeSearch
    from functions.identity.directory import CognitoDirectory
    from functions.identity.people import PeopleService
    from functions.identity.recovery import MfaEnrolment, PasswordRecovery
    from functions.identity.service import ConnectTicketService, SessionService
    from functions.identity.staff_mfa import StaffMfaGate
    from functions.identity.tokens import JwksTokenVerifier
    from functions.images.adapters import DynamoIntentStore, DynamoPhotoStore, S3ObjectStore
    from functions.images.processor import ImageProcessor
    from functions.images.service import ImageService
    from functions.lesionmetrics.adapters import DynamoMetricsStore
    from functions.lesionmetrics.service import LesionMetricsService
    from functions.lesions.adapters import DynamoLesionStore
    from functions.lesions.service import LesionService
    from functions.scores.adapters import DynamoScoreStore
    from functions.scores.service import ScoreService
    from functions.signaling.adapters import DynamoConnectionRegistry, ManagementApiNotifier
    from functions.signaling.service import SignalingService
    from functions.timeline.adapters import DynamoTimelineStore
    from functions.timeline.service import TimelineService
    from functions.visits.adapters import DynamoVisitStore
    from functions.visits.ice import IceServerService
    from functions.visits.service import VisitService
    from functions.worklist.service import WorklistService


# Every pynamodb model, by the table it maps ("module:Class"; one table may hold several item types).
# tests/unit/test_table_contract.py checks that this names every model of every adapters module.
TABLE_MODELS: dict[str, tuple[str, ...]] = {
    CASES.logical_name: ("functions.cases.adapters:CaseModel",),
    CASE_ACCESS.logical_name: ("functions.access.adapters:CaseAccessModel",),
    CONNECT_TICKETS.logical_name: ("functions.identity.adapters:ConnectTicketModel",),
    LOGIN_ATTEMPTS.logical_name: ("functions.identity.adapters:LoginAttemptModel",),
    CONNECTIONS.logical_name: ("functions.signaling.adapters:ConnectionModel",),
    VISITS.logical_name: ("functions.visits.adapters:VisitModel",),
    WAITING_ROOM.logical_name: ("functions.visits.adapters:WaitingModel",),
    TIMELINE.logical_name: ("functions.timeline.adapters:TimelineModel",),
    LESIONS.logical_name: ("functions.lesions.adapters:LesionModel",),
    LESION_METRICS.logical_name: ("functions.lesionmetrics.adapters:LesionMetricModel",),
    PHOTOS.logical_name: ("functions.images.adapters:PhotoModel",),
    PHOTO_UPLOADS.logical_name: ("functions.images.adapters:UploadIntentModel",),
    SCORES.logical_name: ("functions.scores.adapters:ScoreModel",),
    RECORDS.logical_name: ("functions.emr.adapters:RecordModel",),
    RECORD_VERSIONS.logical_name: ("functions.emr.adapters:RecordVersionModel",),
    DATA_KEYS.logical_name: ("functions.crypto.adapters:DataKeyModel",),
    AUDIT_LOG.logical_name: ("functions.audit.adapters:AuditModel", "functions.audit.adapters:AuditHeadModel"),
    AUDIT_CHECKS.logical_name: ("functions.audit.adapters:AuditCheckModel",),
    ANALYTICS_REFERENCE.logical_name: ("functions.analytics.adapters:ReferenceModel",),
    FOLLOWUPS.logical_name: ("functions.followups.adapters:FollowupModel",),
    NOTICES.logical_name: ("functions.followups.adapters:NoticeModel",),
    CASE_REVIEWS.logical_name: ("functions.worklist.adapters:ReviewModel",),
    VISIT_RATINGS.logical_name: ("functions.feedback.adapters:RatingModel",),
    CONSULTATION_ROUNDS.logical_name: ("functions.consultation.adapters:RoundModel",),
    CONSULTATION_READS.logical_name: ("functions.consultation.adapters:ReadModel",),
    CASE_DISCUSSION.logical_name: ("functions.discussion.adapters:DiscussionModel",),
}


def load_model(path: str) -> Any:
    """The model class a `TABLE_MODELS` entry names (imports its adapters module)."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


class Container:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._bound: set[str] = set()
        self._binding = threading.Lock()

    def client(self, service: str) -> Any:
        from functions.shared.aws import make_client

        return make_client(service, self.settings.region)

    def bind(self, *specs: TableSpec) -> None:
        """Bind the models of these tables to their physical tables, once per table per container."""
        from functions.shared.dynamo import bind_model

        with self._binding:
            for spec in specs:
                if spec.logical_name in self._bound:
                    continue
                for path in TABLE_MODELS[spec.logical_name]:
                    bind_model(load_model(path), spec, self.settings)
                self._bound.add(spec.logical_name)

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
        from functions.identity.adapters import CognitoIdentityProvider, DynamoAttemptStore
        from functions.identity.service import SessionService
        from functions.identity.throttle import SignInThrottle

        self.bind(LOGIN_ATTEMPTS)
        provider = CognitoIdentityProvider(self.cognito, self.settings.user_pool_client_id,
                                           sign_out_pool_id=self.settings.user_pool_id
                                           if self.settings.stage == "local" else None)
        return SessionService(provider, self.token_verifier, SignInThrottle(DynamoAttemptStore()),
                              mfa_required_roles=self.settings.mfa_required_roles)

    @cached_property
    def password_recovery(self) -> PasswordRecovery:
        from functions.identity.adapters import CognitoAccountIds, CognitoIdentityProvider, DynamoAttemptStore
        from functions.identity.recovery import PasswordRecovery
        from functions.identity.throttle import SignInThrottle

        self.bind(LOGIN_ATTEMPTS)
        provider = CognitoIdentityProvider(self.cognito, self.settings.user_pool_client_id)
        return PasswordRecovery(provider, CognitoAccountIds(self.cognito, self.settings.user_pool_id), self.audit,
                                SignInThrottle(DynamoAttemptStore(), scope="reset#"))

    @cached_property
    def mfa(self) -> MfaEnrolment:
        from functions.identity.adapters import CognitoIdentityProvider
        from functions.identity.recovery import MfaEnrolment

        return MfaEnrolment(CognitoIdentityProvider(self.cognito, self.settings.user_pool_client_id), self.audit)

    @cached_property
    def staff_mfa(self) -> StaffMfaGate:
        from functions.identity.adapters import CognitoAuthenticators
        from functions.identity.staff_mfa import StaffMfaGate

        return StaffMfaGate(self.settings.mfa_required_roles,
                            CognitoAuthenticators(lambda: self.cognito, self.settings.user_pool_id))

    @cached_property
    def directory(self) -> CognitoDirectory:
        from functions.identity.directory import CognitoDirectory

        return CognitoDirectory(lambda: self.cognito, self.settings.user_pool_id)

    @cached_property
    def health(self) -> HealthService:
        from functions.admin import health_probes as probes
        from functions.admin.health import HealthService

        settings = self.settings
        return HealthService({
            "dynamodb": probes.dynamodb_probe(settings),
            "s3": probes.s3_probe(settings),
            "kms": probes.key_probe(self),
            "directory": probes.directory_probe(settings),
            "websocket": probes.websocket_probe(settings),
        })

    @cached_property
    def accounts(self) -> AccountService:
        from functions.admin.accounts import AccountService
        from functions.admin.adapters import CognitoAccounts

        return AccountService(CognitoAccounts(lambda: self.cognito, self.settings.user_pool_id,
                                              resend_invitation=self.settings.stage != "local"), self.audit)

    @cached_property
    def people(self) -> PeopleService:
        from functions.audit.service import CaseReadAuditor
        from functions.identity.people import PeopleService

        return PeopleService(self.directory, self.access, CaseReadAuditor(self.audit))

    @cached_property
    def connect_tickets(self) -> ConnectTicketService:
        from functions.identity.adapters import DynamoTicketStore
        from functions.identity.service import ConnectTicketService

        self.bind(CONNECT_TICKETS)
        return ConnectTicketService(DynamoTicketStore(self.field_sealer), self.settings.connect_ticket_ttl_seconds)

    # --- access and cases -------------------------------------------------------------------
    @cached_property
    def access(self) -> AccessPolicy:
        from functions.access.adapters import DynamoGrantStore
        from functions.access.service import AccessPolicy
        from functions.audit.service import AccessRefusalAuditor

        self.bind(CASE_ACCESS)
        return AccessPolicy(DynamoGrantStore(), refusals=AccessRefusalAuditor(lambda: self.audit))

    @cached_property
    def case_store(self) -> DynamoCaseStore:
        from functions.cases.adapters import DynamoCaseStore

        self.bind(CASES)
        return DynamoCaseStore(self.field_sealer)

    @cached_property
    def cases(self) -> CasesService:
        from functions.audit.service import CaseReadAuditor
        from functions.cases.adapters import NoticeInvitations, SealedConsultQuestions
        from functions.cases.service import CasesService
        from functions.signaling.service import UserFanout

        return CasesService(self.case_store, self.access, self.directory, audit=CaseReadAuditor(self.audit),
                            questions=SealedConsultQuestions(self.field_sealer),
                            notices=NoticeInvitations(self.notice_store,
                                                      UserFanout(self.connections, self.peer_notifier)),
                            access_ended=lambda case_id, user_id: self.signaling.end_case_access(case_id, user_id))

    # --- timeline ---------------------------------------------------------------------------
    @cached_property
    def timeline_store(self) -> DynamoTimelineStore:
        from functions.timeline.adapters import DynamoTimelineStore

        self.bind(TIMELINE)
        return DynamoTimelineStore(self.field_sealer)

    @cached_property
    def timeline(self) -> TimelineService:
        from functions.timeline.service import TimelineService

        return TimelineService(self.timeline_store, self.access)

    # --- case tracking: lesions, photos, scores ---------------------------------------------
    @cached_property
    def lesion_store(self) -> DynamoLesionStore:
        from functions.lesions.adapters import DynamoLesionStore

        self.bind(LESIONS)
        return DynamoLesionStore(self.field_sealer)

    @cached_property
    def lesions(self) -> LesionService:
        from functions.lesions.service import LesionService

        return LesionService(self.lesion_store, self.access, self.audit)

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
        from functions.images.adapters import DynamoIntentStore

        self.bind(PHOTO_UPLOADS)
        return DynamoIntentStore(self.field_sealer)

    @cached_property
    def photo_store(self) -> DynamoPhotoStore:
        from functions.images.adapters import DynamoPhotoStore

        self.bind(PHOTOS)
        return DynamoPhotoStore(self.field_sealer)

    @cached_property
    def images(self) -> ImageService:
        from functions.images.service import ImageService

        return ImageService(self.photo_intents, self.photo_store, self.image_objects, self.access, self.lesion_store,
                            self.audit, self.timeline_store, open_cases=self.cases)

    @cached_property
    def image_processor(self) -> ImageProcessor:
        from functions.images.adapters import DynamoIntentStore, DynamoPhotoStore
        from functions.images.processor import ImageProcessor

        # Keyless stores: the processor holds no field key (infrastructure/policies.py); it copies the
        # sealed facts the REST function wrote on the intent onto the photo, unopened.
        self.bind(PHOTO_UPLOADS, PHOTOS)
        return ImageProcessor(DynamoIntentStore(None), DynamoPhotoStore(None), self.image_objects,
                              self.settings.image_bucket, self.timeline_store)

    @cached_property
    def lesion_metrics_store(self) -> DynamoMetricsStore:
        from functions.lesionmetrics.adapters import DynamoMetricsStore

        self.bind(LESION_METRICS)
        return DynamoMetricsStore(self.field_sealer)

    @cached_property
    def lesion_metrics(self) -> LesionMetricsService:
        # In AWS the measuring function (its own layer, infrastructure/lesions.py) is invoked by the
        # step behind the photo pipeline (LESION_MEASURER=lambda); a new baseline's series is handed to
        # that step's function by the REST API (LESION_SERIES_FUNCTION). The local stack measures
        # in-process (LESION_MEASURER=in-process), a new baseline's series on a worker thread; OpenCV
        # loads on its first measurement only. Without either, measure_photo answers "ignored:no_measurer".
        from functions.lesionmetrics.ports import Measurer, SeriesMeasuring
        from functions.lesionmetrics.service import LesionMetricsService

        measurer: Measurer | None = None
        series_measuring: SeriesMeasuring | None = None
        if self.settings.lesion_measurer == "in-process":
            from functions.lesionmetrics.adapters import BackgroundSeriesMeasuring, InProcessMeasurer

            measurer = InProcessMeasurer(self.client("s3"))
            # A new baseline's series is measured on a worker thread, after the doctor's request.
            series_measuring = BackgroundSeriesMeasuring(
                lambda case_id, lesion_id: self.lesion_metrics.measure_lesion(case_id, lesion_id))
        elif self.settings.lesion_measurer == "lambda":
            from functions.lesionmetrics.invoke import LambdaMeasurer, invoke_client

            measurer = LambdaMeasurer(lambda: invoke_client(self.settings.region),
                                      self.settings.lesion_measurer_function)
        if self.settings.lesion_series_function:
            from functions.lesionmetrics.invoke import LambdaSeriesMeasuring

            series_measuring = LambdaSeriesMeasuring(lambda: self.client("lambda"),
                                                     self.settings.lesion_series_function)
        return LesionMetricsService(self.lesion_metrics_store, self.access, self.lesion_store, self.photo_store,
                                    self.settings.image_bucket, measurer,
                                    series_measuring=series_measuring)

    @cached_property
    def score_store(self) -> DynamoScoreStore:
        from functions.scores.adapters import DynamoScoreStore

        self.bind(SCORES)
        return DynamoScoreStore(self.field_sealer)

    @cached_property
    def scores(self) -> ScoreService:
        from functions.scores.service import ScoreService

        return ScoreService(self.score_store, self.access, self.timeline_store, visits=self.visit_store,
                            open_cases=self.cases, audit=self.audit)

    # --- visits and signaling ---------------------------------------------------------------
    @cached_property
    def connections(self) -> DynamoConnectionRegistry:
        from functions.signaling.adapters import DynamoConnectionRegistry

        self.bind(CONNECTIONS)
        return DynamoConnectionRegistry(self.field_sealer)

    @cached_property
    def peer_notifier(self) -> ManagementApiNotifier:
        from functions.signaling.adapters import ManagementApiNotifier

        return ManagementApiNotifier(self.settings, self.connections)

    @cached_property
    def visit_store(self) -> DynamoVisitStore:
        from functions.visits.adapters import DynamoVisitStore

        self.bind(VISITS)
        return DynamoVisitStore(self.field_sealer)

    @cached_property
    def visits(self) -> VisitService:
        from functions.signaling.service import UserFanout
        from functions.visits.adapters import DynamoQueueStore
        from functions.visits.service import VisitService

        self.bind(WAITING_ROOM)
        fanout = UserFanout(self.connections, self.peer_notifier)
        return VisitService(self.visit_store, DynamoQueueStore(self.field_sealer), self.access, fanout,
                            timeline=self.timeline_store, open_cases=self.cases)

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

        return SignalingService(self.connections, self.peer_notifier, self.visits, self.visit_store)

    # --- medical record: field encryption, audit trail --------------------------------------
    @cached_property
    def key_provider(self) -> KeyProvider:
        from functions.crypto.ports import KeyUnavailable

        settings = self.settings
        if settings.key_provider == "local":
            from pathlib import Path

            from functions.crypto.local_keys import LocalKeyProvider

            # A key file is for the embedded local stack only; a deployed stage must use KMS.
            if settings.stage != "local" or not settings.local_key_file:
                raise KeyUnavailable("KEY_PROVIDER=local needs LOCAL_KEY_FILE and the local stage.",
                                     code="key_not_configured")
            return LocalKeyProvider(Path(settings.local_key_file))
        if settings.key_provider != "kms":
            raise KeyUnavailable("KEY_PROVIDER must be kms or local.", code="key_not_configured")
        from functions.crypto.kms import KmsKeyProvider

        return KmsKeyProvider(lambda: self.client("kms"), settings.kms_key_id)

    @cached_property
    def data_keys(self) -> DataKeyManager:
        from functions.crypto.adapters import DynamoDataKeyStore
        from functions.crypto.cache import CacheLimits, DataKeyCache
        from functions.crypto.keyring import DataKeyManager

        self.bind(DATA_KEYS)
        settings = self.settings
        limits = CacheLimits(settings.data_key_max_age_seconds, settings.data_key_max_uses,
                             settings.data_key_cache_entries)
        kek_limits = CacheLimits(settings.kek_max_age_seconds, settings.data_key_max_uses,
                                 settings.data_key_cache_entries)
        return DataKeyManager(self.key_provider, DynamoDataKeyStore(), DataKeyCache(limits),
                              kek_cache=DataKeyCache(kek_limits))

    @cached_property
    def field_sealer(self) -> EnvelopeSealer:
        from functions.crypto.cache import CacheLimits, DataKeyCache
        from functions.crypto.scoped_keys import ScopedKeys
        from functions.crypto.sealer import EnvelopeSealer

        settings = self.settings
        keys = self.data_keys
        limits = CacheLimits(settings.data_key_max_age_seconds, settings.data_key_max_uses,
                             settings.scope_key_cache_entries)
        return EnvelopeSealer(keys, ScopedKeys(keys, keys.store, DataKeyCache(limits)))

    @cached_property
    def case_erasure(self) -> CaseErasure:
        from functions.crypto.service import CaseErasure

        def patient_of(case_id: str) -> str | None:
            case = self.case_store.get(case_id)
            return case.patient_id if case else None

        return CaseErasure(self.field_sealer.scoped, patient_of, self.audit.record)

    @cached_property
    def backup(self) -> BackupService:
        """Operator tool (python -m functions.backup.cli); no function serves it."""
        from functions.backup.adapters import DynamoTableStore, S3ObjectStore
        from functions.backup.service import BackupService
        from functions.shared.tables import TABLES

        return BackupService(DynamoTableStore(self.client("dynamodb")), S3ObjectStore(self.client("s3")),
                             [spec.logical_name for spec in TABLES])

    @cached_property
    def audit(self) -> AuditTrail:
        from functions.audit.adapters import DynamoAuditStore, KmsEntryAuthenticator, S3AnchorStore
        from functions.audit.service import AuditTrail

        self.bind(AUDIT_LOG)
        settings = self.settings
        bucket = settings.audit_anchor_bucket
        anchors = S3AnchorStore(lambda: self.client("s3"), bucket) if bucket else None
        key_id = settings.audit_mac_key_id
        authenticator = KmsEntryAuthenticator(lambda: self.client("kms"), key_id) if key_id else None
        return AuditTrail(DynamoAuditStore(), anchors, settings.audit_chains, authenticator=authenticator,
                          mac_since=settings.audit_mac_since)

    @cached_property
    def audit_checks(self) -> ChainChecks:
        from functions.audit.adapters import DynamoChainCheckStore
        from functions.audit.checks import ChainChecks

        self.bind(AUDIT_CHECKS)
        return ChainChecks(self.audit, DynamoChainCheckStore())

    @cached_property
    def emr(self) -> EmrService:
        from functions.emr.adapters import CapabilitySources, CasePatients, DynamoRecordStore, VisitCases
        from functions.emr.service import EmrService

        self.bind(RECORDS, RECORD_VERSIONS)
        sources = CapabilitySources(self.visit_store, self.photo_store, self.score_store,
                                    lambda: self.cognito, self.settings.user_pool_id)
        return EmrService(
            DynamoRecordStore(self.field_sealer), self.access, CasePatients(self.case_store),
            VisitCases(self.visit_store), self.audit, sources, timeline=self.timeline_store,
            followups=self.followups,
        )

    # --- ICD-10 code search ----------------------------------------------------------------
    @cached_property
    def icd10(self) -> CodeSearch:
        # The code set itself loads on the first search, not here (see functions/icd10/catalog.py).
        from functions.icd10.catalog import IcdTenCm
        from functions.icd10.service import CodeSearch

        return CodeSearch(IcdTenCm())

    # --- follow-ups: schedules, worklists, notices and reminders --------------------------------
    @cached_property
    def followup_store(self) -> DynamoFollowupStore:
        from functions.followups.adapters import DynamoFollowupStore

        self.bind(FOLLOWUPS)
        return DynamoFollowupStore()

    @cached_property
    def notice_store(self) -> DynamoNoticeStore:
        from functions.followups.adapters import DynamoNoticeStore

        self.bind(NOTICES)
        return DynamoNoticeStore()

    @cached_property
    def followups(self) -> FollowupService:
        from functions.audit.service import CaseReadAuditor
        from functions.followups.service import FollowupService

        return FollowupService(self.followup_store, self.access, self.timeline_store, self.audit,
                               CaseReadAuditor(self.audit), open_cases=self.cases, names=self.directory,
                               conditions=self.case_store, clinic_zone=self.settings.clinic_time_zone)

    @cached_property
    def notices(self) -> NoticeService:
        from functions.followups.service import NoticeService

        return NoticeService(self.notice_store)

    @cached_property
    def reminders(self) -> ReminderJob:
        from functions.followups.adapters import AwsMessenger, CognitoContacts
        from functions.followups.service import ReminderJob
        from functions.signaling.service import UserFanout

        settings = self.settings
        messenger = AwsMessenger(lambda: self.client("ses"), lambda: self.client("sns"), settings.notice_sender)
        return ReminderJob(self.followups, self.followup_store, self.notice_store,
                           CognitoContacts(lambda: self.cognito, settings.user_pool_id), messenger,
                           UserFanout(self.connections, self.peer_notifier), app_url=settings.app_url,
                           clinic_zone=settings.clinic_time_zone)

    @cached_property
    def worklist(self) -> WorklistService:
        from functions.audit.service import CaseReadAuditor
        from functions.worklist.adapters import DynamoReviewMarks
        from functions.worklist.service import WorklistService

        self.bind(CASE_REVIEWS)
        return WorklistService(self.access, DynamoReviewMarks(), self.timeline_store, CaseReadAuditor(self.audit),
                               self.directory, self.case_store, questions=self.cases.question_of,
                               lesion_changes=self.lesion_metrics_store.flagged_since, rounds=self.round_store)

    @cached_property
    def feedback(self) -> FeedbackService:
        from functions.feedback.adapters import DynamoRatingStore
        from functions.feedback.service import FeedbackService

        self.bind(VISIT_RATINGS)
        return FeedbackService(DynamoRatingStore(self.field_sealer), self.visit_store, self.access, self.audit)

    @cached_property
    def round_store(self) -> DynamoRoundStore:
        from functions.consultation.adapters import DynamoRoundStore

        self.bind(CONSULTATION_ROUNDS, CONSULTATION_READS)
        return DynamoRoundStore(self.field_sealer)

    @cached_property
    def consultation(self) -> ConsultationService:
        from functions.consultation.adapters import CaseMaterialLookup
        from functions.consultation.service import ConsultationService

        return ConsultationService(self.round_store, self.access,
                                   CaseMaterialLookup(self.photo_store, self.score_store), self.emr, self.audit)

    # --- case discussion among the case's doctors ----------------------------------------------
    @cached_property
    def discussion(self) -> DiscussionService:
        from functions.discussion.adapters import CaseItemLookup, DynamoDiscussionStore
        from functions.discussion.service import DiscussionService
        from functions.signaling.service import UserFanout

        self.bind(CASE_DISCUSSION, PHOTOS, SCORES, RECORDS)  # the last three: references are checked there
        return DiscussionService(DynamoDiscussionStore(self.field_sealer), self.access, CaseItemLookup(), self.audit,
                                 UserFanout(self.connections, self.peer_notifier))

    # --- analytics: the de-identified lake, nightly analyses, cohort references -----------------
    @cached_property
    def analytics(self) -> AnalyticsService:
        from functions.analytics.adapters import DynamoReferenceStore
        from functions.analytics.service import AnalyticsService
        from functions.emr.adapters import DynamoRecordStore

        self.bind(ANALYTICS_REFERENCE, RECORDS, RECORD_VERSIONS)
        return AnalyticsService(self.access, DynamoRecordStore(self.field_sealer), self.score_store,
                                DynamoReferenceStore(), self.audit)

    @cached_property
    def lake_export(self) -> LakeExport:
        import time

        from functions.analytics.adapters import CognitoPeople, DynamoChangeFeed, DynamoSources, S3Lake
        from functions.analytics.deid import Deidentifier
        from functions.analytics.export import LakeExport

        settings = self.settings
        self.bind(TIMELINE, CASES, RECORDS, RECORD_VERSIONS)
        if settings.lake_key_secret_id:
            key = str(self.client("secretsmanager").get_secret_value(SecretId=settings.lake_key_secret_id)
                      ["SecretString"])
        else:
            key = settings.lake_pseudonym_key
        return LakeExport(DynamoChangeFeed(self.field_sealer), DynamoSources(self.field_sealer),
                          CognitoPeople(lambda: self.cognito, settings.user_pool_id),
                          S3Lake(lambda: self.client("s3"), settings.lake_bucket), Deidentifier(key.encode()),
                          settings.lake_first_day, time.time)

    @cached_property
    def nightly_analyses(self) -> NightlyAnalyses:
        import time
        from pathlib import Path

        from functions.analytics.adapters import DynamoReferenceStore, S3Lake
        from functions.analytics.analyses import NightlyAnalyses
        from functions.analytics.engine import AthenaEngine, MirroredDuckDb, QueryEngine

        settings = self.settings
        self.bind(ANALYTICS_REFERENCE)
        engine: QueryEngine
        if settings.analytics_engine == "athena":
            engine = AthenaEngine(lambda: self.client("athena"), settings.athena_workgroup, settings.glue_database)
        else:  # DuckDB over a local mirror of the lake (in Lambda: its temporary directory)
            import tempfile

            root = Path(settings.lake_mirror_dir or Path(tempfile.gettempdir()) / "lake")
            engine = MirroredDuckDb(S3Lake(lambda: self.client("s3"), settings.lake_bucket), root)
        return NightlyAnalyses(engine, DynamoReferenceStore(), time.time)


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


# --- the endpoint decorator with this deployment's refusal audit --------------------------------
def record_role_refusal(principal: Principal, route: str, case_id: Any) -> None:
    """A route refused by role goes into the audit trail (in the patient's chain when the path names
    one of their cases)."""
    # Only a well-formed id is looked up; anything else cannot name a case.
    well_formed = isinstance(case_id, str) and re.fullmatch(ID_PATTERN, case_id) is not None
    get_container().access.refuse_route(principal, route, case_id if well_formed else None)


def require_staff_mfa(principal: Principal, route: str) -> None:
    """Where the stage requires an authenticator for the caller's role, refuse all but enrolling
    until they have one (functions/identity/staff_mfa.py). Nothing is built where none is required."""
    if get_settings().mfa_required_roles:
        get_container().staff_mfa.check(principal, route)


def record_case_disclosure(principal: Principal, route: str, path: dict[str, Any], body: dict[str, Any]) -> None:
    """A route that read or changed something of a case is audited (HIPAA 164.312(b)), by its service
    when it writes a precise entry (`record.amend`, `case.read`, ...) or else here: who, which route,
    which case. Deriving it from the path means a new case route cannot forget it."""
    from functions.audit.chain import AuditEvent, Outcome

    container = get_container()
    case_id = _case_of(container, path, body)
    if case_id is None or case_audited(case_id):
        return
    source = request_source()
    method = route.split(" ", 1)[0]
    container.audit.record(AuditEvent(
        actor_id=principal.user_id, role=principal.role.value,
        action="case.route.read" if method == "GET" else "case.route.change",
        resource_type="route", resource_id=route, outcome=Outcome.SUCCESS,
        patient_id=container.access.owner_of(case_id) or "", case_id=case_id,
        request_id=source.request_id, source_ip=source.source_ip,
    ))


def _case_of(container: Container, path: dict[str, Any], body: dict[str, Any]) -> str | None:
    """The case a request touched: its path names it, or names a visit room of it, or (asking for a
    visit) its body does."""
    if isinstance(path.get("case_id"), str):
        return str(path["case_id"])
    if isinstance(path.get("room_id"), str):
        room = container.visit_store.get(str(path["room_id"]))
        return room.case_id if room is not None else None
    if isinstance(body.get("caseId"), str):
        return str(body["caseId"])
    return None


def endpoint(
    source: http.ViewSource,
    *,
    roles: Iterable[Role] | None = None,
    body: Schema | None = None,
    query: Schema | None = None,
    path: Schema | None = None,
    answer: Schema | None = None,
) -> Callable[[Callable[[http.ApiRequest], Any]], Callable[..., Any]]:
    """`functions.shared.http.endpoint` with role refusals recorded in the audit trail."""
    return http.endpoint(source, on_role_refusal=record_role_refusal, on_success=record_case_disclosure,
                         admit=require_staff_mfa, roles=roles,
                         body=body, query=query, path=path, answer=answer)
