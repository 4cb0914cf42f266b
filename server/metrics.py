"""Prometheus metrics: fulfillment health from the database, call latency from this process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from starlette.responses import Response

from core.fulfillment.model import Attempt, Task
from core.fulfillment.monitoring import health
from core.persistence.database import Database


class _Health(Collector):
    """Read at each scrape, so every replica reports the same, true numbers."""

    def __init__(self, db: Database, stuck_after_seconds: float) -> None:
        self.db = db
        self.stuck_after = stuck_after_seconds

    def collect(self) -> Iterator[GaugeMetricFamily]:
        found = health(self.db, self.stuck_after)
        orders = GaugeMetricFamily("tmf_orders", "Product orders by state", labels=["state"])
        for state, n in sorted(found.orders_by_state.items()):
            orders.add_metric([state], n)
        yield orders
        yield GaugeMetricFamily(
            "tmf_orders_stuck",
            f"Unfinished orders without any change for {self.stuck_after:g} s",
            value=found.stuck_orders,
        )
        tasks = GaugeMetricFamily("tmf_tasks", "Fulfillment tasks by status", labels=["status"])
        for status, n in sorted(found.tasks_by_status.items()):
            tasks.add_metric([status], n)
        yield tasks
        yield GaugeMetricFamily(
            "tmf_fallout_ratio", "Tasks on hold among tasks not cancelled", value=found.fallout_rate
        )


class Metrics:
    """The registry of one process; the orchestrator reports each call to ``observe``."""

    def __init__(self, db: Database, stuck_after_seconds: float) -> None:
        self.registry = CollectorRegistry()
        self.calls = Histogram(
            "tmf_task_call_seconds",
            "Time of calls to fulfillment systems",
            ["port", "call", "outcome"],
            registry=self.registry,
        )
        self.retries = Counter(
            "tmf_task_retries",
            "Calls that did not settle their task (it is tried again or falls out)",
            ["port", "outcome"],
            registry=self.registry,
        )
        self.registry.register(_Health(db, stuck_after_seconds))

    def observe(self, task: Task, attempt: Attempt) -> None:
        self.calls.labels(task.port, attempt.call, attempt.outcome).observe(
            attempt.duration_ms / 1000
        )
        if attempt.outcome not in ("done", "not-found"):
            self.retries.labels(task.port, attempt.outcome).inc()

    def route(self) -> Any:
        async def serve(_request: Any) -> Response:
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

        return serve
