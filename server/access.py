"""The access log and request metrics: one line and one observation per request, named by
its route template and operation (never the raw path), with its correlation id."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from connexion.middleware.abstract import ROUTING_CONTEXT

from server.auth.gate import PRINCIPAL
from server.auth.scopes import Operation, Routes
from server.guard import CORRELATION_ID, ASGIApp, Message, Receive, Scope, Send
from server.logs import CORRELATION_ID as CURRENT_CORRELATION_ID
from server.tracing import request_span

log = logging.getLogger("tmf.access")
UNMATCHED = Operation("", "(unmatched)", None, "", "none")  # a path no route has: one label


class RequestRecorder(Protocol):
    """What counts requests (the metrics): told when one starts and how it ended."""

    def started(self) -> None: ...

    def finished(self, operation: Operation, status: int, seconds: float) -> None: ...


class AccessLog:
    """Outermost ASGI middleware: fixes the request's correlation id (the caller's when it is
    safe to carry, else one of ours), echoes it on every answer, and records the request."""

    def __init__(
        self,
        app: ASGIApp,
        documents: Mapping[str, Mapping[str, Any]],
        recorder: RequestRecorder | None = None,
    ) -> None:
        self.app = app
        self.routes = Routes(documents)
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        correlation_id = correlation_id_of(scope)
        scope["tmf.correlation_id"] = correlation_id
        # Connexion's router writes the operation into a copy of the scope; the copy shares
        # this dictionary, so what it writes is seen here.
        extensions = scope.setdefault("extensions", {})
        token = CURRENT_CORRELATION_ID.set(correlation_id)
        answer = {"status": 500, "bytes": 0}
        header = (b"x-correlation-id", correlation_id.encode("latin-1"))

        async def recorded(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"x-correlation-id" for name, _ in headers):
                    message["headers"] = [*headers, header]
            elif message["type"] == "http.response.body":
                answer["bytes"] += len(message.get("body", b""))
            await send(message)

        if self.recorder is not None:
            self.recorder.started()
        span = request_span(scope["method"], _header(scope, b"traceparent"))
        try:
            with span as traced:
                await self.app(scope, receive, recorded)
                if traced is not None:
                    _name(traced, scope, self._operation(scope, extensions), answer["status"])
        finally:
            seconds = time.perf_counter() - started
            operation = self._operation(scope, extensions)
            if self.recorder is not None:
                self.recorder.finished(operation, answer["status"], seconds)
            self._log(scope, operation, answer, seconds)
            CURRENT_CORRELATION_ID.reset(token)

    def _operation(self, scope: Scope, extensions: dict[str, Any]) -> Operation:
        routing = extensions.get(ROUTING_CONTEXT) or {}
        if routing.get("operation_id"):
            found = self.routes.of_operation(routing["api_base_path"], routing["operation_id"])
            if found is not None:
                return found
        return self.routes.match(scope["method"], scope["path"]) or UNMATCHED

    @staticmethod
    def _log(scope: Scope, operation: Operation, answer: dict[str, int], seconds: float) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        principal = scope.get(PRINCIPAL)
        client = scope.get("client")
        log.info(
            "%s %s %d %.1f ms %d B",
            scope["method"],
            operation.path,
            answer["status"],
            seconds * 1000,
            answer["bytes"],
            extra={
                "method": scope["method"],
                "route": operation.path,
                "operation": operation.operation_id,
                "status": answer["status"],
                "duration_ms": round(seconds * 1000, 2),
                "bytes": answer["bytes"],
                "actor": principal.actor if principal is not None else None,
                "client": client[0] if client else None,
            },
        )


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of header ``name`` (lower case), if the request has it."""
    for key, value in scope["headers"]:
        if key == name:
            found: str = value.decode("latin-1")
            return found
    return None


def _name(span: Any, scope: Scope, operation: Operation, status: int) -> None:
    """The request's span named as OpenTelemetry's HTTP conventions say: method and route."""
    span.update_name(f"{scope['method']} {operation.path}")
    span.set_attribute("http.route", operation.path)
    span.set_attribute("http.response.status_code", status)
    if operation.operation_id:
        span.set_attribute("tmf.operation", operation.operation_id)
    span.set_attribute("tmf.correlation_id", scope["tmf.correlation_id"])


def request_correlation_id(scope: Scope) -> str:
    """The request's correlation id, fixed once in its scope (the access log fixes it first)."""
    if "tmf.correlation_id" not in scope:
        scope["tmf.correlation_id"] = correlation_id_of(scope)
    return str(scope["tmf.correlation_id"])


def correlation_id_of(scope: Scope) -> str:
    """The caller's X-Correlation-ID if it is safe in logs and headers, else a new one."""
    given = _header(scope, b"x-correlation-id")
    if given is not None and CORRELATION_ID.fullmatch(given):
        return given
    return str(uuid.uuid4())
