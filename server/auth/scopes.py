"""Which scope each operation needs, derived from the served OpenAPI documents (one place)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

SCOPES = (
    "tmf620:read",
    "tmf620:write",
    "tmf622:read",
    "tmf622:write",
    "tmf637:read",
    "tmf637:write",
    "admin:read",
    "admin:write",
)
PUBLIC = ""  # the scope of what anyone may read: probes, Swagger UI and the documents
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Ours, outside the documents: probes, metrics and the files export jobs write.
_EXTRA = (
    ("GET", "/health", PUBLIC),
    ("GET", "/ready", PUBLIC),
    ("GET", "/metrics", "admin:read"),
    ("GET", "/files/export/{name}", "tmf620:read"),
)


@dataclass(frozen=True)
class Operation:
    """One method on one path template, and the scope a token needs to call it."""

    method: str
    path: str
    operation_id: str | None
    scope: str


def scope_of(api: str, template: str, method: str) -> str:
    """The rule: reads need ``<api>:read``, everything else ``<api>:write``; a hub is written
    to (subscribing is a change), so it needs ``<api>:write`` for every method."""
    if template == "/hub" or template.startswith("/hub/"):
        return f"{api}:write"
    return f"{api}:read" if method == "GET" else f"{api}:write"


def operations(documents: Mapping[str, Mapping[str, Any]]) -> Iterator[Operation]:
    """Every operation of every document (``api`` -> document), then ours outside them."""
    for api, document in documents.items():
        base = document["servers"][0]["url"]
        for template, item in document["paths"].items():
            for method, operation in item.items():
                if method in _METHODS:
                    verb = method.upper()
                    yield Operation(
                        verb,
                        base + template,
                        operation.get("operationId"),
                        scope_of(api, template, verb),
                    )
    for method, path, scope in _EXTRA:
        yield Operation(method, path, None, scope)


class ScopeMap:
    """``(method, path) -> scope``; ``PUBLIC`` for open pages, None for paths no document has
    (they still need a valid token: what is not known is not open)."""

    def __init__(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        self._exact: dict[tuple[str, str], str] = {}
        self._patterns: list[tuple[re.Pattern[str], str, str]] = []
        self._public_prefixes = tuple(
            f"{d['servers'][0]['url']}{suffix}"
            for d in documents.values()
            for suffix in ("/docs", "/openapi.json")
        )
        for found in operations(documents):
            if "{" in found.path:
                pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(found.path))
                self._patterns.append((re.compile(pattern + "/?"), found.method, found.scope))
            else:
                self._exact[(found.method, found.path.rstrip("/"))] = found.scope

    def required(self, method: str, path: str) -> str | None:
        if method in ("GET", "HEAD") and path.startswith(self._public_prefixes):
            return PUBLIC
        verb = "GET" if method == "HEAD" else method
        found = self._exact.get((verb, path.rstrip("/")))
        if found is not None:
            return found
        return next(
            (scope for p, m, scope in self._patterns if m == verb and p.fullmatch(path)), None
        )
