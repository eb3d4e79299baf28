"""The one place that reads the environment.

Everything else asks `get_settings()`. Values are resource NAMES and tunables only, never secrets
(secrets come from Secrets Manager or SSM at first use).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def _list(name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    table_prefix: str
    image_bucket: str
    kms_key_id: str
    user_pool_id: str
    user_pool_client_id: str
    jwks_url: str
    ws_public_url: str
    ws_management_endpoint: str
    connect_ticket_ttl_seconds: int
    xray_enabled: bool
    log_level: str
    stun_urls: tuple[str, ...] = ()
    turn_urls: tuple[str, ...] = ()
    turn_secret: str = ""
    turn_secret_id: str = ""
    turn_ttl_seconds: int = 3600
    allowed_clock_skew_seconds: int = 5
    # Where browsers reach S3, when that is not where the functions reach it (the local stack serves
    # S3 on its own origin); presigned URLs are made for it. Empty: S3's own endpoint.
    s3_public_endpoint: str = ""
    # Field encryption: "kms" everywhere but the local stack, whose moto KMS forgets its keys on
    # restart; "local" wraps data keys with a key-encryption key kept in `local_key_file`.
    key_provider: str = "kms"
    local_key_file: str = ""
    data_key_max_age_seconds: int = 300
    data_key_max_uses: int = 100_000
    data_key_cache_entries: int = 256
    # Per-case keys (functions/crypto/scoped_keys.py): each purpose's KMS-wrapped key-encryption key
    # is kept this long (one KMS call per container, purpose and day); unwrapped case keys, at most
    # this many per container, for data_key_max_age_seconds (how long an erased case's key survives
    # in a warm container).
    kek_max_age_seconds: int = 86_400
    scope_key_cache_entries: int = 1024
    # Roles that must sign in with an authenticator (template parameter StaffMfa: doctor,admin in prod).
    mfa_required_roles: tuple[str, ...] = ()
    audit_anchor_bucket: str = ""
    # The KMS HMAC key that authenticates audit entries, and the cut-over (ISO time) after which every
    # entry must carry a MAC; before it, entries without one verify as legacy.
    audit_mac_key_id: str = ""
    audit_mac_since: str = ""
    # Number of audit hash chains; may grow, must never shrink (verification walks c00..cNN).
    audit_chains: int = 16
    # The de-identified lake (analytics): its bucket, the pseudonym key (a Secrets Manager id in AWS;
    # the value itself only locally), the first day of changes to export, the engine of the nightly
    # analyses (duckdb over a local mirror of the lake, or athena over its Glue tables).
    lake_bucket: str = ""
    # 5 s everywhere but the local stack: moto answers an index Query by walking the whole table.
    dynamodb_read_timeout_seconds: int = 5
    lake_key_secret_id: str = ""
    lake_pseudonym_key: str = ""
    lake_first_day: str = "2026-01-01"
    analytics_engine: str = "duckdb"
    lake_mirror_dir: str = ""
    athena_workgroup: str = ""
    glue_database: str = ""
    # Follow-up reminders: the clinic's calendar (what "due today" means), the address reminders come
    # from (an SES-verified identity) and the app link they carry (the only link; no other content).
    clinic_time_zone: str = "UTC"
    notice_sender: str = ""
    app_url: str = ""
    # Who measures a followed lesion's new photo: "" nobody, "lambda" the measuring function named by
    # LESION_MEASURER_FUNCTION (in AWS: infrastructure/lesions.py sets both for the step that stores
    # measurements), "in-process" the measuring code in this interpreter (the local stack, whose
    # development environment has OpenCV).
    lesion_measurer: str = ""
    lesion_measurer_function: str = ""
    # The measuring step's function, which the REST API invokes asynchronously to measure a new
    # baseline's series (AWS; locally a worker thread does it).
    lesion_series_function: str = ""
    # Where EMF metric lines go: "stdout" (Lambda: CloudWatch Logs reads them from there) or "none"
    # (benchmarks, whose stdout is their own progress and one JSON line; the local stack's calls
    # would otherwise print hundreds of metric lines between them).
    metrics_sink: str = "stdout"

    @property
    def issuer(self) -> str:
        # Cognito always issues tokens under the public cognito-idp URL, even in emulators.
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def effective_jwks_url(self) -> str:
        """Where the authorizer fetches the keys it trusts. An override exists for the local stack (its
        moto serves the JWKS over http); a deployed stage takes one only over https, since whoever
        controls that document can sign any token."""
        if not self.jwks_url:
            return f"{self.issuer}/.well-known/jwks.json"
        if self.stage != "local" and not self.jwks_url.startswith("https://"):
            raise ValueError(f"JWKS_URL must be an https URL outside the local stage (stage {self.stage}).")
        return self.jwks_url

    def table_name(self, logical_name: str) -> str:
        return f"{self.table_prefix}{logical_name}"

    @classmethod
    def from_environ(cls) -> Settings:
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-west-1"
        return cls(
            stage=os.environ.get("STAGE", "local"),
            region=region,
            table_prefix=os.environ.get("TABLE_PREFIX", "dermafollow-local-"),
            image_bucket=os.environ.get("IMAGE_BUCKET", "dermafollow-local-images"),
            kms_key_id=os.environ.get("KMS_KEY_ID", "alias/dermafollow-local"),
            user_pool_id=os.environ.get("USER_POOL_ID", ""),
            user_pool_client_id=os.environ.get("USER_POOL_CLIENT_ID", ""),
            jwks_url=os.environ.get("JWKS_URL", ""),
            ws_public_url=os.environ.get("WS_PUBLIC_URL", ""),
            ws_management_endpoint=os.environ.get("WS_MANAGEMENT_ENDPOINT", ""),
            connect_ticket_ttl_seconds=_int("CONNECT_TICKET_TTL_SECONDS", 60),
            xray_enabled=_bool("XRAY_ENABLED", False),
            log_level=os.environ.get("LOG_LEVEL", "INFO"),
            stun_urls=_list("ICE_STUN_URLS"),
            turn_urls=_list("ICE_TURN_URLS"),
            # Locally the TURN secret may come from the environment; in AWS only its Secrets
            # Manager id does, and the value is fetched on first use.
            turn_secret=os.environ.get("TURN_SHARED_SECRET", ""),
            turn_secret_id=os.environ.get("TURN_SECRET_ID", ""),
            turn_ttl_seconds=_int("TURN_TTL_SECONDS", 3600),
            s3_public_endpoint=os.environ.get("S3_PUBLIC_ENDPOINT", ""),
            key_provider=os.environ.get("KEY_PROVIDER", "kms").strip().lower() or "kms",
            local_key_file=os.environ.get("LOCAL_KEY_FILE", ""),
            data_key_max_age_seconds=_int("DATA_KEY_MAX_AGE_SECONDS", 300),
            data_key_max_uses=_int("DATA_KEY_MAX_USES", 100_000),
            data_key_cache_entries=_int("DATA_KEY_CACHE_ENTRIES", 256),
            kek_max_age_seconds=_int("KEK_MAX_AGE_SECONDS", 86_400),
            scope_key_cache_entries=_int("SCOPE_KEY_CACHE_ENTRIES", 1024),
            mfa_required_roles=_list("MFA_REQUIRED_ROLES"),
            audit_anchor_bucket=os.environ.get("AUDIT_ANCHOR_BUCKET", ""),
            audit_mac_key_id=os.environ.get("AUDIT_MAC_KEY_ID", ""),
            audit_mac_since=os.environ.get("AUDIT_MAC_SINCE", ""),
            audit_chains=_int("AUDIT_CHAINS", 16),
            lake_bucket=os.environ.get("LAKE_BUCKET", ""),
            dynamodb_read_timeout_seconds=_int("DYNAMODB_READ_TIMEOUT_SECONDS", 5),
            lake_key_secret_id=os.environ.get("LAKE_KEY_SECRET_ID", ""),
            lake_pseudonym_key=os.environ.get("LAKE_PSEUDONYM_KEY", ""),
            lake_first_day=os.environ.get("LAKE_FIRST_DAY", "2026-01-01"),
            analytics_engine=os.environ.get("ANALYTICS_ENGINE", "duckdb").strip().lower() or "duckdb",
            lake_mirror_dir=os.environ.get("LAKE_MIRROR_DIR", ""),
            athena_workgroup=os.environ.get("ATHENA_WORKGROUP", ""),
            glue_database=os.environ.get("GLUE_DATABASE", ""),
            clinic_time_zone=os.environ.get("CLINIC_TIME_ZONE", "UTC") or "UTC",
            notice_sender=os.environ.get("NOTICE_SENDER", ""),
            app_url=os.environ.get("APP_URL", ""),
            lesion_measurer=os.environ.get("LESION_MEASURER", "").strip().lower(),
            lesion_measurer_function=os.environ.get("LESION_MEASURER_FUNCTION", "").strip(),
            lesion_series_function=os.environ.get("LESION_SERIES_FUNCTION", "").strip(),
            metrics_sink=os.environ.get("METRICS_SINK", "stdout").strip().lower() or "stdout",
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_environ()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
