"""``/health`` and ``/ready`` for load balancers and orchestrators: cheap, unauthenticated."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from core.events.relay import BrokerRelay
from core.persistence import migrate
from core.persistence.database import Database
from server.background import BackgroundLoop
from server.http import encode_json

CACHE_SECONDS = 1.0  # a probe every 100 ms costs one database round trip a second
TIMEOUT_SECONDS = 2.0  # a database that does not answer in this time is not ready


@dataclass
class Readiness:
    """Whether this process can serve: the database answers at the schema this code expects,
    the broker is reachable when configured, and the background loops it started still run."""

    db: Database
    relay: BrokerRelay | None = None
    loops: Callable[[], Sequence[BackgroundLoop]] = lambda: ()
    clock: Callable[[], float] = time.monotonic
    head: str = field(default_factory=migrate.head_revision)
    _answer: tuple[float, dict[str, Any]] | None = None
    _running: asyncio.Future[dict[str, Any]] | None = None
    # A database that hangs keeps its check's thread: no second one is started meanwhile, so
    # probes cannot use up the threads requests run in.
    _database_busy: threading.Event = field(default_factory=threading.Event)
    _thread: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="tmf-ready")
    )

    async def checks(self) -> dict[str, Any]:
        """The last answer if it is fresh, else one check shared by every probe waiting for it."""
        now = self.clock()
        if self._answer is not None and now - self._answer[0] < CACHE_SECONDS:
            return self._answer[1]
        if self._running is None:
            self._running = asyncio.ensure_future(self._check())
        running = self._running
        try:
            found = await asyncio.shield(running)
        finally:
            if self._running is running and running.done():
                self._running = None
        self._answer = (self.clock(), found)
        return found

    async def _check(self) -> dict[str, Any]:
        checks: dict[str, Any] = {}
        if self._database_busy.is_set():
            checks["database"] = {"status": "down", "reason": "the last check has not returned"}
        else:
            self._database_busy.set()
            try:
                # Its own thread, not the request pool's: waiting past the timeout abandons it.
                asked = asyncio.get_running_loop().run_in_executor(self._thread, self._database)
                checks["database"] = await asyncio.wait_for(asked, TIMEOUT_SECONDS)
            except TimeoutError:
                reason = f"no answer in {TIMEOUT_SECONDS} s"
                checks["database"] = {"status": "down", "reason": reason}
        if self.relay is not None:
            checks["broker"] = (
                {"status": "down", "reason": "events wait in the outbox"}
                if self.relay.failing
                else {"status": "up"}
            )
        for loop in self.loops():
            if loop.started:
                checks[loop.name] = {"status": "up" if loop.alive else "down"}
        return checks

    def _database(self) -> dict[str, Any]:
        try:
            with self.db.engine.connect() as connection:
                current = migrate.current_revision(connection)
        except Exception as error:  # any failure to reach it means not ready, and why
            return {"status": "down", "reason": type(error).__name__}
        finally:
            self._database_busy.clear()
        if current != self.head:
            return {
                "status": "down",
                "reason": f"schema at {current or 'nothing'}, this code needs {self.head}: "
                "run tmf-adapter migrate",
            }
        return {"status": "up", "revision": current}


def health_route() -> Any:
    """The process answers: nothing else is asked."""
    body = encode_json({"status": "up"})

    async def serve(_request: Any) -> Response:
        return Response(body, media_type="application/json", headers=_NO_STORE)

    return serve


def ready_route(readiness: Readiness) -> Any:
    """200 when every check is up, else 503; the body names each check and its state."""

    async def serve(_request: Any) -> Response:
        checks = await readiness.checks()
        up = all(c["status"] == "up" for c in checks.values())
        body = {"status": "up" if up else "down", "checks": checks}
        return Response(
            encode_json(body),
            status_code=200 if up else 503,
            media_type="application/json",
            headers=_NO_STORE,
        )

    return serve


_NO_STORE = {"Cache-Control": "no-store"}
