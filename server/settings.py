"""Settings from the environment (pydantic-settings); printed without secrets at start."""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import InvalidRequest
from core.retention import parse_age


class Settings(BaseSettings):
    """Everything an operator can set; defaults give the embedded demo."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///./tmf.db", alias="DATABASE_URL")
    # List totals (X-Total-Count) are counted exactly up to this; past it, on PostgreSQL, the
    # planner's estimate, marked X-Total-Count-Estimated (0: always count exactly).
    exact_total_up_to: int = Field(1_000, alias="TMF_EXACT_TOTAL_UP_TO", ge=0)
    validation: Literal["strict", "lenient"] = Field("strict", alias="TMF_VALIDATION")
    public_base_url: str | None = Field(None, alias="TMF_PUBLIC_BASE_URL")
    lifecycle_file: str | None = Field(None, alias="TMF_LIFECYCLE_FILE")
    # Approval policy (YAML); "" turns approval off. Default: the demo policy we ship.
    approval_policy_file: str | None = Field(None, alias="TMF_APPROVAL_POLICY_FILE")
    # Development only: trust X-Actor-Id / X-Actor-Roles as the caller's identity and roles.
    development_mode: bool = Field(False, alias="TMF_DEVELOPMENT_MODE")
    escalation_poll_seconds: float = Field(60, alias="TMF_ESCALATION_POLL_SECONDS", gt=0)
    # Hostile input: bodies past this many bytes are a 413, refused before they are read whole.
    max_body_bytes: int = Field(1024 * 1024, alias="TMF_MAX_BODY_BYTES", ge=1024)
    # Browser origins allowed to call the APIs (comma separated); none: CORS stays off.
    cors_origins: str = Field("", alias="TMF_CORS_ORIGINS")
    # Authentication: off (the embedded demo) or OAuth2 bearer JWTs from an identity provider.
    auth: Literal["off", "jwt"] = Field("off", alias="TMF_AUTH")
    auth_jwks_url: str | None = Field(None, alias="TMF_AUTH_JWKS_URL")
    auth_jwks_file: str | None = Field(None, alias="TMF_AUTH_JWKS_FILE")
    auth_jwks_timeout_seconds: float = Field(3, alias="TMF_AUTH_JWKS_TIMEOUT_SECONDS", gt=0)
    # A token naming an unknown key fetches the JWKS again, at most once per this many seconds.
    auth_jwks_refetch_seconds: float = Field(30, alias="TMF_AUTH_JWKS_REFETCH_SECONDS", gt=0)
    auth_issuer: str | None = Field(None, alias="TMF_AUTH_ISSUER")
    auth_audience: str | None = Field(None, alias="TMF_AUTH_AUDIENCE")
    auth_leeway_seconds: float = Field(30, alias="TMF_AUTH_LEEWAY_SECONDS", ge=0, le=300)
    # Claims (dotted paths): who acts, their roles, and the customers a partner may reach.
    auth_actor_claim: str = Field("sub", alias="TMF_AUTH_ACTOR_CLAIM", min_length=1)
    auth_roles_claim: str = Field("roles", alias="TMF_AUTH_ROLES_CLAIM", min_length=1)
    auth_party_claim: str = Field("party_ids", alias="TMF_AUTH_PARTY_CLAIM", min_length=1)
    # The console's sign-in with TMF_AUTH=jwt: OpenID Connect, authorization code with PKCE, as
    # this client of the issuer; its session cookie is signed with the secret (the same in
    # every worker). Without a client id, the console takes bearer tokens only (a proxy's).
    console_client_id: str | None = Field(None, alias="TMF_CONSOLE_CLIENT_ID")
    console_client_secret: str | None = Field(None, alias="TMF_CONSOLE_CLIENT_SECRET")
    console_scopes: str = Field("openid admin:read admin:write", alias="TMF_CONSOLE_SCOPES")
    # Default: <TMF_AUTH_ISSUER>/.well-known/openid-configuration
    console_oidc_metadata_url: str | None = Field(None, alias="TMF_CONSOLE_OIDC_METADATA_URL")
    console_session_secret: str | None = Field(None, alias="TMF_CONSOLE_SESSION_SECRET")
    console_session_seconds: int = Field(
        8 * 3600, alias="TMF_CONSOLE_SESSION_SECONDS", ge=60, le=7 * 86400
    )
    # TMF637 POST/PATCH/DELETE: off (products change through orders) or on, for migrations and
    # corrections, each audited with its actor and reason.
    inventory_writes: Literal["off", "on"] = Field("off", alias="TMF_INVENTORY_WRITES")
    # Logs: JSON lines for a log pipeline, or text for a terminal; the level of what is kept.
    log_format: Literal["json", "text"] = Field("text", alias="TMF_LOG_FORMAT")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", alias="TMF_LOG_LEVEL")
    validate_responses: bool = Field(False, alias="TMF_VALIDATE_RESPONSES")
    import_dir: str = Field("./var/import", alias="TMF_IMPORT_DIR")
    export_dir: str = Field("./var/export", alias="TMF_EXPORT_DIR")
    import_allowed_hosts: str = Field("", alias="TMF_IMPORT_ALLOWED_HOSTS")
    run_jobs: bool = Field(True, alias="TMF_RUN_JOBS")
    run_worker: bool = Field(True, alias="TMF_RUN_WORKER")  # the embedded fulfillment worker
    job_lease_seconds: float = Field(600, alias="TMF_JOB_LEASE_SECONDS", gt=0)
    # fulfillment: which adapter serves each port (entry point name or module:callable)
    crm_adapter: str = Field("simulated", alias="TMF_CRM_ADAPTER")
    clm_adapter: str = Field("simulated", alias="TMF_CLM_ADAPTER")
    provisioning_adapter: str = Field("simulated", alias="TMF_PROVISIONING_ADAPTER")
    billing_adapter: str = Field("simulated", alias="TMF_BILLING_ADAPTER")
    simulation_file: str | None = Field(None, alias="TMF_SIMULATION_FILE")
    simulator_database_url: str | None = Field(None, alias="TMF_SIMULATOR_DATABASE_URL")
    provisioning_url: str | None = Field(None, alias="TMF_PROVISIONING_URL")
    provisioning_timeout: float = Field(10, alias="TMF_PROVISIONING_TIMEOUT", gt=0)
    provisioning_authorization: str | None = Field(None, alias="TMF_PROVISIONING_AUTHORIZATION")
    # OAuth2 client credentials for the provisioning system (instead of a static header).
    provisioning_token_url: str | None = Field(None, alias="TMF_PROVISIONING_TOKEN_URL")
    provisioning_client_id: str | None = Field(None, alias="TMF_PROVISIONING_CLIENT_ID")
    provisioning_client_secret: str | None = Field(None, alias="TMF_PROVISIONING_CLIENT_SECRET")
    provisioning_scope: str | None = Field(None, alias="TMF_PROVISIONING_SCOPE")
    task_max_attempts: int = Field(5, alias="TMF_TASK_MAX_ATTEMPTS", ge=1)
    task_backoff_seconds: float = Field(1, alias="TMF_TASK_BACKOFF_SECONDS", ge=0)
    task_lease_seconds: float = Field(60, alias="TMF_TASK_LEASE_SECONDS", gt=0)
    point_of_no_return: Literal["crm", "clm", "provisioning", "billing", "none"] = Field(
        "billing", alias="TMF_POINT_OF_NO_RETURN"
    )
    stuck_after_seconds: float = Field(3600, alias="TMF_STUCK_AFTER_SECONDS", gt=0)
    worker_poll_seconds: float = Field(0.5, alias="TMF_WORKER_POLL_SECONDS", gt=0)
    worker_batch: int = Field(32, alias="TMF_WORKER_BATCH", ge=1, le=1000)  # tasks per claim
    # Threads per server process for handlers that write or list (server/threads.py).
    request_threads: int = Field(4, alias="TMF_REQUEST_THREADS", ge=1, le=256)
    # Loops per `tmf-adapter worker` process: while one waits on the database, another works.
    worker_threads: int = Field(2, alias="TMF_WORKER_THREADS", ge=1, le=64)

    # Retention: the worker removes what evidence does not need once older than this (e.g.
    # 30d; empty: never), every so many seconds. See docs/retention.md.
    prune_older_than: str = Field("", alias="TMF_PRUNE_OLDER_THAN")
    prune_every_seconds: float = Field(3600, alias="TMF_PRUNE_EVERY_SECONDS", gt=0)

    # events: hub deliveries and the broker
    callback_allowlist: str = Field("", alias="TMF_CALLBACK_ALLOWLIST")
    delivery_max_attempts: int = Field(8, alias="TMF_DELIVERY_MAX_ATTEMPTS", ge=1)
    delivery_backoff_seconds: float = Field(1, alias="TMF_DELIVERY_BACKOFF_SECONDS", ge=0)
    delivery_backoff_cap_seconds: float = Field(300, alias="TMF_DELIVERY_BACKOFF_CAP_SECONDS", gt=0)
    delivery_timeout_seconds: float = Field(5, alias="TMF_DELIVERY_TIMEOUT_SECONDS", gt=0)
    delivery_per_subscriber: int = Field(8, alias="TMF_DELIVERY_PER_SUBSCRIBER", ge=1, le=256)
    delivery_in_flight: int = Field(64, alias="TMF_DELIVERY_IN_FLIGHT", ge=1, le=1024)
    dispatch_poll_seconds: float = Field(0.1, alias="TMF_DISPATCH_POLL_SECONDS", gt=0)
    nats_url: str | None = Field(None, alias="TMF_NATS_URL")
    nats_stream: str = Field("TMF_EVENTS", alias="TMF_NATS_STREAM")
    nats_subject_prefix: str = Field("tmf", alias="TMF_NATS_SUBJECT_PREFIX", pattern=r"^[\w-]+$")

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_capitals(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("prune_older_than")
    @classmethod
    def _an_age(cls, value: str) -> str:
        if value:
            try:
                parse_age(value)
            except InvalidRequest as error:
                raise ValueError(error.message) from None
        return value

    @model_validator(mode="after")
    def _auth_complete(self) -> Self:
        """With ``TMF_AUTH=jwt`` the issuer, the audience and one source of keys are needed."""
        if self.auth == "jwt":
            missing = [
                name
                for name, value in (
                    ("TMF_AUTH_ISSUER", self.auth_issuer),
                    ("TMF_AUTH_AUDIENCE", self.auth_audience),
                )
                if not value
            ]
            if bool(self.auth_jwks_url) == bool(self.auth_jwks_file):
                missing.append("one of TMF_AUTH_JWKS_URL or TMF_AUTH_JWKS_FILE")
            if missing:
                raise ValueError(f"TMF_AUTH=jwt needs {', '.join(missing)}")
        if self.console_client_id:
            if self.auth != "jwt":
                raise ValueError("TMF_CONSOLE_CLIENT_ID is the console's sign-in: TMF_AUTH=jwt")
            if len(self.console_session_secret or "") < 32:
                raise ValueError(
                    "TMF_CONSOLE_CLIENT_ID needs TMF_CONSOLE_SESSION_SECRET, at least 32 "
                    "characters, the same in every worker (e.g. `openssl rand -hex 32`)"
                )
        return self

    @property
    def console_metadata_url(self) -> str:
        """Where the issuer's OpenID Connect metadata is."""
        issuer = (self.auth_issuer or "").rstrip("/")
        return self.console_oidc_metadata_url or f"{issuer}/.well-known/openid-configuration"

    @property
    def auth_chosen(self) -> bool:
        """Whether TMF_AUTH was set at all (off by default is the demo, off by choice is not)."""
        return "auth" in self.model_fields_set

    @property
    def trust_actor_headers(self) -> bool:
        """X-Actor-Id/X-Actor-Roles are believed only in development mode without tokens."""
        return self.development_mode and self.auth == "off"

    def adapters(self) -> dict[str, str]:
        """Port -> adapter name."""
        return {
            "crm": self.crm_adapter,
            "clm": self.clm_adapter,
            "provisioning": self.provisioning_adapter,
            "billing": self.billing_adapter,
        }

    def adapter_options(self) -> dict[str, object]:
        """What adapter factories may read (``AdapterContext.options``)."""
        return {
            "provisioning_url": self.provisioning_url,
            "provisioning_timeout": self.provisioning_timeout,
            "provisioning_authorization": self.provisioning_authorization,
            "provisioning_token_url": self.provisioning_token_url,
            "provisioning_client_id": self.provisioning_client_id,
            "provisioning_client_secret": self.provisioning_client_secret,
            "provisioning_scope": self.provisioning_scope,
        }

    def allowed_import_hosts(self) -> set[str]:
        """Hosts an importJob may fetch a file from over HTTP (none by default)."""
        return {h.strip() for h in self.import_allowed_hosts.split(",") if h.strip()}

    def allowed_origins(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    def describe(self) -> str:
        """One line per setting, with any password in a URL masked."""
        values = self.model_dump()
        for name in ("database_url", "simulator_database_url", "nats_url"):
            if values[name]:
                values[name] = re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", values[name])
        for secret in (
            "provisioning_authorization",
            "provisioning_client_secret",
            "console_client_secret",
            "console_session_secret",
        ):
            if values[secret]:
                values[secret] = "***"
        return "\n".join(f"  {k} = {v}" for k, v in values.items())
