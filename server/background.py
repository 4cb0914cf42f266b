"""Background loops in the server process: catalog jobs and the embedded fulfillment worker."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from core.catalog.jobs import CatalogJobs

log = logging.getLogger("tmf.background")


class BackgroundLoop:
    """Calls ``step`` in a daemon thread while it finds work; sleeps when idle or woken.

    ``step`` returns whether it did something; polling picks up work other processes queued.
    """

    def __init__(self, name: str, step: Callable[[], bool], poll_seconds: float = 2.0) -> None:
        self.name = name
        self.step = step
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    @property
    def started(self) -> bool:
        return self._thread is not None

    @property
    def alive(self) -> bool:
        """Whether the thread still runs (it ends only on stop or an error step cannot catch)."""
        return self._thread is not None and self._thread.is_alive()

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
                worked = self.step()
            except Exception:  # a broken database must not kill the thread for good
                log.exception("%s failed; retrying", self.name)
                worked = False
            if not worked:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()


class JobRunner(BackgroundLoop):
    """Runs waiting catalog import/export jobs; woken when one is accepted."""

    def __init__(self, jobs: CatalogJobs, poll_seconds: float = 2.0) -> None:
        super().__init__("tmf-jobs", lambda: jobs.run_next() is not None, poll_seconds)
        self.jobs = jobs
