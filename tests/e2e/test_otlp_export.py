"""Spans leave the process over OTLP/HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set."""

from __future__ import annotations

import pathlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.fakes.server import serving

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


class Collector:
    """An OTLP/HTTP traces endpoint that keeps what it is sent."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path == "/v1/traces":
                    found = ExportTraceServiceRequest()
                    found.ParseFromString(body)
                    collector.requests.append(found)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def spans(self) -> list[tuple[str, str]]:
        """(trace id, name) of every span received."""
        return [
            (span.trace_id.hex(), span.name)
            for request in self.requests
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        ]


def test_a_request_is_exported_in_the_callers_trace(tmp_path: pathlib.Path) -> None:
    collector = Collector()
    settings = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # export within 100 ms, not 5 s
    }
    catalog = "/tmf-api/productCatalogManagement/v4"
    with serving("sqlite", tmp_path, settings) as root:
        answer = httpx.get(
            f"{root}{catalog}/productOffering/po-mobile-s",
            headers={"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"},
        )
        assert answer.status_code == 200
        deadline = time.monotonic() + 10
        while (TRACE, f"GET {catalog}/productOffering/{{id}}") not in collector.spans():
            assert time.monotonic() < deadline, collector.spans()
            time.sleep(0.1)
    collector.server.shutdown()
