"""One order followed in one trace: the request, the use case, each fulfillment call and each
hub delivery, across the worker, with the caller's W3C traceparent as the root."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.testclient import TestClient

from core import tracing
from core.events.callbacks import CallbackGuard
from server import tracing as otel
from tests.fakes.receiver import Receiver
from tests.orders import add, order

ORDERING = "/tmf-api/productOrderingManagement/v4"
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER = f"00-{TRACE}-00f067aa0ba902b7-01"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    otel.setup(provider)
    yield exporter
    tracing.use(None)


def test_one_order_is_one_trace_from_the_request_to_billing_and_the_hub(
    shop: TestClient, receiver: Receiver, spans: InMemorySpanExporter
) -> None:
    container = shop.app.container  # type: ignore[attr-defined]
    saved = container.hub.guard, container.dispatcher.guard
    container.hub.guard = container.dispatcher.guard = CallbackGuard("127.0.0.1")
    try:
        assert shop.post(f"{ORDERING}/hub", json={"callback": receiver.url}).status_code == 201
        spans.clear()
        placed = shop.post(
            f"{ORDERING}/productOrder",
            json=order("cust-carol", add("1", "po-mobile-s")),
            headers={"traceparent": CALLER},
        )
        assert placed.status_code == 201
        container.orchestrator.run_until_idle()  # the worker: another thread, much later
        assert shop.get(f"{ORDERING}/productOrder/{placed.json()['id']}").json()["state"] == (
            "completed"
        )
        container.dispatcher.run_until_idle()
        receiver.wait_for(3)
    finally:
        container.hub.guard, container.dispatcher.guard = saved
    found: tuple[ReadableSpan, ...] = spans.get_finished_spans()
    ours = [s for s in found if s.context is not None and f"{s.context.trace_id:032x}" == TRACE]
    names = {s.name for s in ours}
    assert f"POST {ORDERING}/productOrder" in names
    assert "ordering.place" in names
    assert {"fulfil crm.check_customer", "fulfil billing.start"} <= names
    assert any(n.startswith("fulfil provisioning.") for n in names)
    assert "hub.deliver" in names
    request = next(s for s in ours if s.name == f"POST {ORDERING}/productOrder")
    assert request.parent is not None and f"{request.parent.span_id:016x}" == "00f067aa0ba902b7"
    assert request.attributes is not None
    assert request.attributes["tmf.operation"] == "createProductOrder"
    assert request.attributes["http.response.status_code"] == 201
    place = next(s for s in ours if s.name == "ordering.place")
    assert place.parent is not None and place.parent.span_id == request.context.span_id
    # The subscriber is told the trace too: its own spans can join it.
    assert all(TRACE in headers.get("traceparent", "") for _, _, headers in receiver.received)
    # A GET of the order is a trace of its own (no traceparent sent): nothing leaks across.
    reads = [s for s in found if s.name == f"GET {ORDERING}/productOrder/{{id}}"]
    assert reads and all(f"{s.context.trace_id:032x}" != TRACE for s in reads if s.context)


def test_without_an_installed_tracer_nothing_is_traced(shop: TestClient) -> None:
    assert tracing.current() is None
    with tracing.span("anything", CALLER):
        assert tracing.current() is None
    placed = shop.post(
        f"{ORDERING}/productOrder",
        json=order("cust-carol", add("1", "po-mobile-s")),
        headers={"traceparent": CALLER},
    )
    assert placed.status_code == 201
