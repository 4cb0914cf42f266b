"""Settings from the environment (pydantic-settings); printed without secrets at start."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can set; defaults give the embedded demo."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///./tmf.db", alias="DATABASE_URL")
    validation: Literal["strict", "lenient"] = Field("strict", alias="TMF_VALIDATION")
    public_base_url: str | None = Field(None, alias="TMF_PUBLIC_BASE_URL")
    lifecycle_file: str | None = Field(None, alias="TMF_LIFECYCLE_FILE")
    # Approval policy (YAML); "" turns approval off. Default: the demo policy we ship.
    approval_policy_file: str | None = Field(None, alias="TMF_APPROVAL_POLICY_FILE")
    # Development only: trust X-Actor-Id / X-Actor-Roles as the caller's identity and roles.
    development_mode: bool = Field(False, alias="TMF_DEVELOPMENT_MODE")
    escalation_poll_seconds: float = Field(60, alias="TMF_ESCALATION_POLL_SECONDS", gt=0)
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
    task_max_attempts: int = Field(5, alias="TMF_TASK_MAX_ATTEMPTS", ge=1)
    task_backoff_seconds: float = Field(1, alias="TMF_TASK_BACKOFF_SECONDS", ge=0)
    task_lease_seconds: float = Field(60, alias="TMF_TASK_LEASE_SECONDS", gt=0)
    point_of_no_return: Literal["crm", "clm", "provisioning", "billing", "none"] = Field(
        "billing", alias="TMF_POINT_OF_NO_RETURN"
    )
    stuck_after_seconds: float = Field(3600, alias="TMF_STUCK_AFTER_SECONDS", gt=0)
    worker_poll_seconds: float = Field(0.5, alias="TMF_WORKER_POLL_SECONDS", gt=0)
    worker_batch: int = Field(32, alias="TMF_WORKER_BATCH", ge=1, le=1000)  # tasks per claim
    # Loops per `tmf-adapter worker` process: while one waits on the database, another works.
    worker_threads: int = Field(2, alias="TMF_WORKER_THREADS", ge=1, le=64)

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
        }

    def allowed_import_hosts(self) -> set[str]:
        """Hosts an importJob may fetch a file from over HTTP (none by default)."""
        return {h.strip() for h in self.import_allowed_hosts.split(",") if h.strip()}

    def describe(self) -> str:
        """One line per setting, with any password in a URL masked."""
        values = self.model_dump()
        for name in ("database_url", "simulator_database_url", "nats_url"):
            if values[name]:
                values[name] = re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", values[name])
        if values["provisioning_authorization"]:
            values["provisioning_authorization"] = "***"
        return "\n".join(f"  {k} = {v}" for k, v in values.items())
