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
    validate_responses: bool = Field(False, alias="TMF_VALIDATE_RESPONSES")
    import_dir: str = Field("./var/import", alias="TMF_IMPORT_DIR")
    export_dir: str = Field("./var/export", alias="TMF_EXPORT_DIR")
    import_allowed_hosts: str = Field("", alias="TMF_IMPORT_ALLOWED_HOSTS")
    run_jobs: bool = Field(True, alias="TMF_RUN_JOBS")
    job_lease_seconds: float = Field(600, alias="TMF_JOB_LEASE_SECONDS", gt=0)

    def allowed_import_hosts(self) -> set[str]:
        """Hosts an importJob may fetch a file from over HTTP (none by default)."""
        return {h.strip() for h in self.import_allowed_hosts.split(",") if h.strip()}

    def describe(self) -> str:
        """One line per setting, with any password in the database URL masked."""
        masked = re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", self.database_url)
        values = self.model_dump() | {"database_url": masked}
        return "\n".join(f"  {k} = {v}" for k, v in values.items())
