"""OpenTelemetry behind the core's tracing port (the ``[otel]`` extra): spans exported over
OTLP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set, W3C ``traceparent`` read and written."""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
from collections.abc import Iterator
from typing import Any

from core import tracing

log = logging.getLogger("tmf.tracing")
ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT"


def available() -> bool:
    return importlib.util.find_spec("opentelemetry.sdk") is not None


class OtelTracer:
    """The port over an OpenTelemetry tracer provider."""

    def __init__(self, provider: Any) -> None:
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        self.tracer = provider.get_tracer("tmf-adapter")
        self.propagator = TraceContextTextMapPropagator()

    @contextlib.contextmanager
    def span(self, name: str, parent: str | None, attributes: dict[str, Any]) -> Iterator[None]:
        with self.started(name, parent, attributes):
            yield

    @contextlib.contextmanager
    def started(
        self, name: str, parent: str | None, attributes: dict[str, Any], kind: Any = None
    ) -> Iterator[Any]:
        """A current span, child of ``parent`` (a traceparent) if any; it is yielded."""
        from opentelemetry.trace import SpanKind

        context = self.propagator.extract({"traceparent": parent}) if parent else None
        given = {k: v for k, v in attributes.items() if v is not None}
        with self.tracer.start_as_current_span(
            name, context=context, kind=kind or SpanKind.INTERNAL, attributes=given
        ) as found:
            yield found

    def current(self) -> str | None:
        carrier: dict[str, str] = {}
        self.propagator.inject(carrier)
        return carrier.get("traceparent")


def request_span(method: str, traceparent: str | None) -> contextlib.AbstractContextManager[Any]:
    """The span of one HTTP request when tracing is on (it yields the span), else nothing."""
    tracer = tracing.installed()
    if isinstance(tracer, OtelTracer):
        from opentelemetry.trace import SpanKind

        attributes = {"http.request.method": method}
        return tracer.started(method, traceparent, attributes, SpanKind.SERVER)
    return contextlib.nullcontext(None)


def setup(provider: Any | None = None) -> OtelTracer | None:
    """Trace this process: with ``provider`` (tests), or one exporting over OTLP when the
    endpoint is configured and the extra installed; else tracing stays off."""
    if provider is None:
        if not os.environ.get(ENDPOINT):
            return None
        if not available():
            log.warning("%s is set but the [otel] extra is not installed: no traces", ENDPOINT)
            return None
        provider = _otlp_provider()
    tracer = OtelTracer(provider)
    tracing.use(tracer)
    return tracer


def _otlp_provider() -> Any:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = os.environ.get("OTEL_SERVICE_NAME", "tmf-adapter")
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider
