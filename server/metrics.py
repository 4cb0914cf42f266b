"""Prometheus metrics: requests and fulfillment calls counted in each process, backlogs read
from the database at each scrape. Under ``serve --workers N`` every process writes its counts
to ``PROMETHEUS_MULTIPROC_DIR`` and a scrape of any of them reports the sum of all."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from core import monitoring
from core.fulfillment.model import UNFINISHED, Attempt, Task
from core.persistence.database import Database
from server.auth.scopes import Operation

log = logging.getLogger("tmf.metrics")
MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"
DELIVERY_STATUSES = ("waiting", "pending", "dead")
# Request latency buckets: our reads take milliseconds, a slow write a second.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Backlogs(Collector):
    """Read at each scrape, so every replica reports the same, true numbers."""

    def __init__(self, db: Database, stuck_after_seconds: float, broker: bool) -> None:
        self.db = db
        self.stuck_after = stuck_after_seconds
        self.broker = broker

    def collect(self) -> Iterator[Metric]:
        try:
            found = monitoring.read(self.db, self.stuck_after, self.broker)
        except Exception as error:  # the database away: say so, and still serve the rest
            log.warning("cannot read the backlogs: %s", type(error).__name__)
            yield GaugeMetricFamily("tmf_backlogs_up", "Whether the backlogs could be read", 0)
            return
        yield GaugeMetricFamily("tmf_backlogs_up", "Whether the backlogs could be read", 1)
        yield _by(
            "tmf_orders",
            "Open product orders by state",
            "state",
            found.orders,
            monitoring.OPEN_STATES,
        )
        yield _by(
            "tmf_orders_stuck",
            f"Open orders in a moving state unchanged for {self.stuck_after:g} s",
            "state",
            found.stuck,
            monitoring.MOVING,
        )
        yield _by(
            "tmf_tasks", "Unfinished fulfillment tasks by status", "status", found.tasks, UNFINISHED
        )
        yield _gauge("tmf_repair_queue_tasks", "Tasks on hold (fallout)", found.repair_queue)
        yield _gauge(
            "tmf_repair_queue_oldest_seconds",
            "Age of the oldest task on hold",
            found.repair_oldest_seconds,
        )
        yield _gauge(
            "tmf_outbox_unsent_events", "Events not yet fanned out to the hub", found.outbox_unsent
        )
        yield _gauge(
            "tmf_outbox_unsent_oldest_seconds",
            "Age of the oldest event not fanned out",
            found.outbox_unsent_seconds,
        )
        if found.outbox_unpublished is not None:
            yield _gauge(
                "tmf_outbox_unpublished_events",
                "Events not yet published to NATS",
                found.outbox_unpublished,
            )
            yield _gauge(
                "tmf_outbox_unpublished_oldest_seconds",
                "Age of the oldest event not published to NATS",
                found.outbox_unpublished_seconds or 0.0,
            )
        yield _by(
            "tmf_hub_deliveries",
            "Hub deliveries owed, by status",
            "status",
            found.deliveries,
            DELIVERY_STATUSES,
        )
        yield _gauge(
            "tmf_hub_delivery_oldest_seconds",
            "Age of the oldest hub delivery still to be made (dead letters aside)",
            found.deliveries_oldest_seconds,
        )
        yield _gauge(
            "tmf_approval_cases_open", "Approval cases awaiting a decision", found.approvals_open
        )
        yield _gauge(
            "tmf_approval_cases_overdue",
            "Open approval cases past their due time",
            found.approvals_overdue,
        )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _by(
    name: str, documentation: str, label: str, values: dict[str, int], every: Iterable[str]
) -> GaugeMetricFamily:
    """One sample per known value of ``label`` (0 where none), so an alert sees each series."""
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key in sorted(set(every) | set(values)):
        family.add_metric([key], values.get(key, 0))
    return family


class Metrics:
    """This process's counts; with ``PROMETHEUS_MULTIPROC_DIR`` set, kept where every process
    of the server reads them."""

    def __init__(self, db: Database, stuck_after_seconds: float, broker: bool = False) -> None:
        self.shared = os.environ.get(MULTIPROCESS) or None
        self.registry = CollectorRegistry()
        registry = self.registry
        self.requests = Histogram(
            "tmf_http_request_duration_seconds",
            "Time to answer a request, by API, operation and status class",
            ["api", "operation", "status"],
            buckets=BUCKETS,
            registry=registry,
        )
        self.in_flight = Gauge(
            "tmf_http_requests_in_flight",
            "Requests being answered",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.calls = Histogram(
            "tmf_task_call_seconds",
            "Time of calls to fulfillment systems",
            ["port", "call", "outcome"],
            registry=registry,
        )
        self.retries = Counter(
            "tmf_task_retries",
            "Calls that did not settle their task (it is tried again or falls out)",
            ["port", "outcome"],
            registry=registry,
        )
        self.settled = Counter(
            "tmf_tasks_settled",
            "Tasks that ended or fell out (status held), by port and status",
            ["port", "status"],
            registry=registry,
        )
        self.backlogs = Backlogs(db, stuck_after_seconds, broker)
        self._scraped: CollectorRegistry | None = None
        self.process: dict[str, Gauge] = {}
        if self.shared:
            # Each process's own figures, labelled by pid (the default collector would report
            # only the process that happens to answer the scrape).
            for family in ProcessCollector(registry=None).collect():
                self.process[family.name] = Gauge(
                    f"tmf_{family.name}",
                    f"{family.documentation} (per process)",
                    registry=registry,
                    multiprocess_mode="liveall",
                )
        else:
            ProcessCollector(registry=registry)
            registry.register(self.backlogs)

    # -- what the access log and the orchestrator report --------------------------------------

    def started(self) -> None:
        self.in_flight.inc()

    def finished(self, operation: Operation, status: int, seconds: float) -> None:
        self.in_flight.dec()
        name = operation.operation_id or operation.path
        self.requests.labels(operation.api, name, f"{status // 100}xx").observe(seconds)

    def observe(self, task: Task, attempt: Attempt) -> None:
        self.calls.labels(task.port, attempt.call, attempt.outcome).observe(
            attempt.duration_ms / 1000
        )
        if attempt.outcome not in ("done", "not-found"):
            self.retries.labels(task.port, attempt.outcome).inc()

    def task_settled(self, task: Task) -> None:
        self.settled.labels(task.port, task.status).inc()

    # -- the scrape ---------------------------------------------------------------------------

    def exposition(self) -> bytes:
        """Every process's counts (summed, or per pid for process figures) and the backlogs."""
        if self.shared:
            self._refresh_process()
        return generate_latest(self.scraped())

    def scraped(self) -> CollectorRegistry:
        """What a scrape reads: this process's registry, or every process's files and the
        backlogs when the counts are shared."""
        if not self.shared:
            return self.registry
        if self._scraped is None:
            self._scraped = CollectorRegistry()
            multiprocess.MultiProcessCollector(self._scraped, path=self.shared)  # type: ignore[no-untyped-call]
            self._scraped.register(self.backlogs)
        return self._scraped

    def refresh(self) -> bool:
        """Write this process's figures where the scrape reads them (a loop calls it)."""
        if self.shared:
            self._refresh_process()
        return False

    def _refresh_process(self) -> None:
        for family in ProcessCollector(registry=None).collect():
            gauge = self.process.get(family.name)
            if gauge is not None and family.samples:
                gauge.set(family.samples[0].value)

    def close(self) -> None:
        """This process is ending: its in-flight and process figures leave the sum."""
        if self.shared:
            multiprocess.mark_process_dead(os.getpid(), self.shared)  # type: ignore[no-untyped-call]

    def route(self) -> Any:
        async def serve(_request: Any) -> Response:
            body = await run_in_threadpool(self.exposition)
            return Response(body, media_type=CONTENT_TYPE_LATEST)

        return serve
