"""Import and export jobs: accepted at once, run in the background, end Succeeded or Failed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

from core.catalog import transfer
from core.catalog.kinds import KINDS
from core.catalog.model import Job
from core.catalog.patching import identity_sent
from core.catalog.service import CatalogService
from core.errors import Conflict, DomainError, InvalidRequest, NotFound
from core.ports import CatalogFiles
from core.query import Query, parse_query
from core.requests import RequestContext
from core.timeutil import format_utc

NOT_STARTED, RUNNING, SUCCEEDED, FAILED = "Not Started", "Running", "Succeeded", "Failed"
JOB_KINDS = {"importJob": "ImportJob", "exportJob": "ExportJob"}
CONTENT_TYPE = "application/json"
SERVER_SET = ("creationDate", "completionDate", "errorLog")


@dataclass
class JobPage:
    jobs: list[Job]
    total: int
    query: Query
    exact: bool = True  # False: ``total`` is an estimate


class CatalogJobs:
    """Use cases of import and export jobs over the catalog service."""

    def __init__(
        self, catalog: CatalogService, files: CatalogFiles, lease_seconds: float = 600
    ) -> None:
        self.catalog = catalog
        self.files = files
        self.lease = timedelta(seconds=lease_seconds)

    def create(
        self, kind: str, body: dict[str, Any], ctx: RequestContext, file_base_url: str
    ) -> Job:
        """Accept a job (status Not Started); 400 if it could never run."""
        problems = identity_sent(body)
        if body.get("status") not in (None, NOT_STARTED):
            problems.append(f"status is set by the server; a new job is {NOT_STARTED!r}")
        if body.get("contentType") not in (None, CONTENT_TYPE):
            problems.append(
                f"contentType {body['contentType']!r} is not supported; use {CONTENT_TYPE}"
            )
        if kind == "exportJob":
            try:
                self._export_plan(body)
            except InvalidRequest as error:
                problems.extend(error.problems)
        if problems:
            raise InvalidRequest(problems, f"Invalid {kind}")
        job_id = self.catalog.ids.new_id()
        document = {k: v for k, v in body.items() if k not in SERVER_SET}
        document.update(
            id=job_id,
            href=f"{ctx.base_url.rstrip('/')}/{kind}/{job_id}",
            status=NOT_STARTED,
            creationDate=self._now(),
            contentType=CONTENT_TYPE,
        )
        document.setdefault("@type", JOB_KINDS[kind])
        if kind == "exportJob":
            document["url"] = f"{file_base_url.rstrip('/')}/{job_id}.json"
        job = Job(kind, job_id, document)
        with self.catalog.db.uow() as uow:
            uow.jobs.add(job)
            uow.commit()
        return job

    def get(self, kind: str, job_id: str) -> Job:
        with self.catalog.db.uow(write=False) as uow:
            job = uow.jobs.get(kind, job_id)
        if job is None:
            raise NotFound(kind, job_id)
        return job

    def list_query(self, kind: str, params: list[tuple[str, str]]) -> Query:
        return parse_query(params, self.catalog.schemas, JOB_KINDS[kind])

    def get_all(self, kind: str, params: list[tuple[str, str]]) -> JobPage:
        query = self.list_query(kind, params)
        with self.catalog.db.uow(write=False) as uow:  # the page and its count: one statement
            found = uow.jobs.list(kind, query)
        return JobPage(found.items, found.total, query, found.exact)

    def delete(self, kind: str, job_id: str) -> None:
        """Forget a job that is not running (its export file stays until replaced)."""
        with self.catalog.db.uow() as uow:
            job = uow.jobs.get(kind, job_id)
            if job is None:
                raise NotFound(kind, job_id)
            if job.status == RUNNING:
                raise Conflict(f"{kind} {job_id!r} is running; delete it when it has finished")
            uow.jobs.delete(kind, job_id)
            uow.commit()

    def run_next(self) -> Job | None:
        """Claim the oldest waiting job, run it, record the outcome; None when nothing waits."""
        job = self._claim()
        if job is None:
            return None
        try:
            if job.kind == "exportJob":
                self._export(job)
            else:
                self._import(job)
            outcome, error = SUCCEEDED, None
        except DomainError as failure:
            outcome, error = FAILED, failure.message
        except (OSError, ValueError) as failure:
            outcome, error = FAILED, f"{type(failure).__name__}: {failure}"
        return self._finish(job, outcome, error)

    def _claim(self) -> Job | None:
        """Take the oldest waiting job, or one whose worker's lease ran out (it died)."""
        now = self.catalog.clock.now()
        lease_until = format_utc(now + self.lease)
        with self.catalog.db.uow() as uow:
            for kind in JOB_KINDS:
                job = uow.jobs.claim_next(kind, NOT_STARTED, RUNNING, format_utc(now))
                if job is not None:
                    claimed = Job(
                        job.kind, job.id, dict(job.document, status=RUNNING), job.row_version + 1
                    )
                    uow.jobs.update(claimed, job.row_version, format_utc(now), lease_until)
                    uow.commit()
                    return claimed
        return None

    def _finish(self, job: Job, outcome: str, error: str | None) -> Job:
        """Record the outcome, unless the job was deleted or another worker took it over."""
        document = dict(job.document, status=outcome, completionDate=self._now())
        if error:
            document["errorLog"] = error
        done = Job(job.kind, job.id, document, job.row_version + 1)
        with self.catalog.db.uow() as uow:
            stored = uow.jobs.get(job.kind, job.id)
            if stored is None or stored.row_version != job.row_version:
                return stored or done
            uow.jobs.update(done, job.row_version, self._now())
            uow.commit()
        return done

    def _export_plan(self, document: dict[str, Any]) -> tuple[list[str], Query]:
        """The kinds and the query an export covers; 400 if ``path`` or ``query`` is wrong."""
        kinds, params = export_scope(document)
        if not params:
            return kinds, Query()
        return kinds, parse_query(params, self.catalog.schemas, KINDS[kinds[0]].schema)

    def _export(self, job: Job) -> None:
        kinds, query = self._export_plan(job.document)
        entries = transfer.export_entries(self.catalog, kinds, query)
        content = json.dumps(entries, ensure_ascii=False, indent=1).encode()
        self.files.write(f"{job.id}.json", content)

    def _import(self, job: Job) -> None:
        raw = self.files.read(str(job.document["url"]))
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InvalidRequest(f"the file is not UTF-8 JSON: {error}") from None
        entries = transfer.parse_entries(data)
        base = str(job.document["href"]).rsplit(f"/{job.kind}/", 1)[0]
        transfer.import_entries(self.catalog, entries, RequestContext(base, f"importJob:{job.id}"))

    def _now(self) -> str:
        return format_utc(self.catalog.clock.now())


def export_scope(document: dict[str, Any]) -> tuple[list[str], list[tuple[str, str]]]:
    """Which kinds an export covers (from ``path``) and its TMF630 query (from ``query``)."""
    path = str(document.get("path") or "").strip("/")
    query = str(document.get("query") or "").lstrip("?")
    if "?" in path and not query:
        path, query = path.split("?", 1)
    name = path.rsplit("/", 1)[-1] if path else ""
    if name and name not in KINDS:
        raise InvalidRequest(
            f"path {document.get('path')!r} names no catalog resource; use one of {sorted(KINDS)}"
        )
    params = parse_qsl(query, keep_blank_values=True)
    if params and not name:
        raise InvalidRequest("a query needs a path naming one resource, e.g. /productOffering")
    return ([name] if name else list(KINDS)), params
