"""Tracing as the core sees it: named spans and the W3C ``traceparent`` of the current one.

The core imports no tracing library: the server installs an implementation (OpenTelemetry
with the ``[otel]`` extra); until then every call here does nothing. A ``traceparent`` kept
with an order and its events lets the worker's spans join the trace of the request that
placed it, in whatever process and however much later."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar


class Tracer(Protocol):
    def span(
        self, name: str, parent: str | None, attributes: dict[str, Any]
    ) -> contextlib.AbstractContextManager[None]: ...

    def current(self) -> str | None: ...


class _Nothing:
    def span(
        self, name: str, parent: str | None, attributes: dict[str, Any]
    ) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def current(self) -> str | None:
        return None


_tracer: Tracer = _Nothing()


def use(tracer: Tracer | None) -> None:
    """Install ``tracer`` for this process (None: tracing off again)."""
    global _tracer
    _tracer = tracer or _Nothing()


def span(
    name: str, parent: str | None = None, **attributes: Any
) -> contextlib.AbstractContextManager[None]:
    """A span, child of ``parent`` (a traceparent) when given, else of the current span."""
    return _tracer.span(name, parent, attributes)


def installed() -> Tracer:
    """The tracer in use (the server's HTTP spans need more than the port offers)."""
    return _tracer


def current() -> str | None:
    """The traceparent of the current span (None: no trace)."""
    return _tracer.current()


F = TypeVar("F", bound=Callable[..., Any])


def traced(name: str) -> Callable[[F], F]:
    """A use case's span around each call of the decorated method."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _tracer.span(name, None, {}):
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
