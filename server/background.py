"""The embedded job runner: a daemon thread that runs catalog import/export jobs as they arrive."""

from __future__ import annotations

import logging
import threading

from core.catalog.jobs import CatalogJobs

log = logging.getLogger("tmf.jobs")


class JobRunner:
    """Runs waiting jobs; woken when one is accepted, and polls for other replicas' jobs."""

    def __init__(self, jobs: CatalogJobs, poll_seconds: float = 2.0) -> None:
        self.jobs = jobs
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="tmf-jobs", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self.jobs.run_next()
            except Exception:  # a broken database must not kill the thread for good
                log.exception("job runner failed; retrying")
                ran = None
            if ran is None:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
