"""A job whose worker process dies while it runs is taken over once its lease runs out."""

from __future__ import annotations

import http.server
import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from adapters.files import LocalCatalogFiles
from core.catalog.jobs import CatalogJobs
from core.catalog.service import CatalogService, CatalogSettings
from core.persistence.database import Database
from core.requests import RequestContext
from core.schema import ResourceSchemas
from tests.conftest import BACKENDS, private_database

ENTRIES = [{"kind": "category", "id": "cat-recovered", "document": {"name": "Recovered"}}]


class FixedClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def catalog_file() -> Iterator[tuple[str, threading.Event]]:
    """A real HTTP server with the file to import. Its first answer trickles a space every
    tenth of a second until released, so that reader neither finishes nor times out."""
    release = threading.Event()
    calls: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            calls.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                while len(calls) == 1 and not release.wait(0.1):
                    self._chunk(b" ")
                self._chunk(json.dumps(ENTRIES).encode())
                self._chunk(b"")
            except OSError:
                pass  # the reader was killed

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/catalog.json", release
    release.set()
    server.shutdown()


@pytest.fixture(params=BACKENDS)
def private(
    request: pytest.FixtureRequest, tmp_path: pathlib.Path, schemas: ResourceSchemas
) -> Iterator[tuple[CatalogService, str]]:
    """A catalog on a database of its own: the e2e apps of this test process run a job runner
    on the shared one, which would take the job first. Yields the service and its search path."""
    with private_database(request.param, tmp_path) as (db, search_path):
        yield CatalogService(db, schemas, CatalogSettings(strict=True)), search_path


def status(catalog: CatalogService, job_id: str) -> str:
    return catalog_jobs(catalog).get("importJob", job_id).status


def catalog_jobs(catalog: CatalogService) -> CatalogJobs:
    return CatalogJobs(catalog, LocalCatalogFiles("/nonexistent", "/nonexistent", {"127.0.0.1"}))


def test_a_job_orphaned_by_a_killed_worker_is_taken_over(
    private: tuple[CatalogService, str],
    ctx: RequestContext,
    catalog_file: tuple[str, threading.Event],
) -> None:
    catalog, search_path = private
    url, release = catalog_file
    jobs = catalog_jobs(catalog)
    job = jobs.create("importJob", {"url": url}, ctx, "http://test.example/files/export")
    db: Database = catalog.db
    worker = subprocess.Popen(
        [sys.executable, os.path.join(os.path.dirname(__file__), "job_worker.py"), db.url,
         search_path, "127.0.0.1"],
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while status(catalog, job.id) != "Running":
            assert time.monotonic() < deadline and worker.poll() is None, "worker never started"
            time.sleep(0.05)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # dies mid-job, holding its lease
        worker.wait(timeout=10)
    release.set()
    assert status(catalog, job.id) == "Running"

    # Within the lease nobody takes the job: the worker might only be slow.
    assert jobs.run_next() is None
    # Past it, the next worker takes it over and runs it to the end, once.
    catalog.clock = FixedClock(datetime.now(UTC) + timedelta(minutes=11))
    done = jobs.run_next()
    assert done is not None and done.id == job.id and done.status == "Succeeded"
    assert status(catalog, job.id) == "Succeeded"
    assert catalog.get("category", "cat-recovered").name == "Recovered"
    with db.uow(write=False) as uow:
        created = [e for e in uow.outbox.list("category") if e.resource_id == "cat-recovered"]
    assert [e.event_type for e in created] == ["CategoryCreateEvent"]
