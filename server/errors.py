"""Every error answer is a TMF Error body (``application/json``); client input never gives a 500."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    PreconditionFailed,
)

log = logging.getLogger("tmf.errors")

_STATUS = {
    InvalidRequest: 400,
    Forbidden: 403,
    NotFound: 404,
    MethodNotAllowed: 405,
    Conflict: 409,
    PreconditionFailed: 412,
}
_REASONS = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    500: "Internal error",
}


def error_body(status: int, code: str, message: str, reason: str | None = None) -> bytes:
    """The TMF Error document as JSON bytes."""
    body: dict[str, Any] = {
        "code": code,
        "reason": reason or _REASONS.get(status, "Error"),
        "message": message,
        "status": str(status),
        "@type": "Error",
    }
    return json.dumps(body, ensure_ascii=False).encode()


def error_response(
    status: int, code: str, reason: str, message: str, headers: dict[str, str] | None = None
) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=status,
        mimetype="application/json",
        content_type="application/json",
        body=error_body(status, code, message, reason),
        headers=headers or {},
        is_streamed=False,
    )


def status_of(exc: DomainError) -> int:
    """The HTTP status of a core error (400 for any the table does not name)."""
    return next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 400)


def domain_error(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, DomainError)
    status = status_of(exc)
    headers = {"Allow": ", ".join(exc.allowed)} if isinstance(exc, MethodNotAllowed) else None
    return error_response(status, exc.code, exc.reason, exc.message, headers)


def problem(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, ProblemException)
    status = exc.status or 400
    detail = str(exc.detail or exc.title or "").split("\n\n")[0]
    if status >= 500:
        log.error("server problem: %s", exc)
        return error_response(500, "internalError", _REASONS[500], "The server failed; see its log")
    return error_response(status, _code(status), exc.title or _REASONS.get(status, "Error"), detail)


class AllowedMethods:
    """Which methods the documents define for a request path (Starlette only knows one route's)."""

    def __init__(self) -> None:
        self._routes: list[tuple[re.Pattern[str], str]] = []

    def add(self, base_path: str, paths: dict[str, Any]) -> None:
        for template, operations in paths.items():
            pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(base_path + template))
            methods = sorted(m.upper() for m in operations if m != "parameters")
            self._routes.append((re.compile(pattern + "/?$"), ", ".join(methods)))

    def __call__(self, path: str) -> str | None:
        return next((allow for pattern, allow in self._routes if pattern.match(path)), None)


ALLOWED = AllowedMethods()


def http_error(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers.pop("allow", None)
        headers["Allow"] = ALLOWED(request.url.path) or headers.get("Allow", "")
    message = {
        404: "No such resource or path",
        405: f"Method not allowed here; allowed: {headers.get('Allow', headers.get('allow', ''))}",
    }.get(exc.status_code, str(exc.detail))
    return error_response(
        exc.status_code,
        _code(exc.status_code),
        _REASONS.get(exc.status_code, "Error"),
        message,
        headers,
    )


def undecodable(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    return error_response(400, "invalidBody", "Bad request", f"The body is not UTF-8 text: {exc}")


def too_large(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    return error_response(413, "bodyTooLarge", _REASONS[413], str(exc))


def unexpected(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    log.exception("unexpected failure", exc_info=exc)
    return error_response(500, "internalError", _REASONS[500], "The server failed; see its log")


def _code(status: int) -> str:
    return {
        400: "invalidRequest",
        401: "unauthorized",
        403: "forbidden",
        404: "notFound",
        405: "methodNotAllowed",
        409: "conflict",
        412: "preconditionFailed",
        413: "bodyTooLarge",
        415: "unsupportedMediaType",
    }.get(status, f"http{status}")
