"""Which scope each operation needs, derived from the served OpenAPI documents (one place)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from console import ROUTES as CONSOLE_ROUTES

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
    api: str = "server"  # the document it is in; ``server`` for ours outside them


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
                        api,
                    )
    for method, path, scope in (*_EXTRA, *CONSOLE_ROUTES):
        yield Operation(method, path, None, scope)


class Routes:
    """``(method, path) -> Operation`` by path template: what the gate, the access log and the
    request metrics name a request by (a template, never the raw path with its ids)."""

    def __init__(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        self._exact: dict[tuple[str, str], Operation] = {}
        self._by_id: dict[tuple[str, str], Operation] = {}
        self._patterns: list[tuple[re.Pattern[str], Operation]] = []
        self._pages = [
            Operation("GET", f"{d['servers'][0]['url']}{suffix}", None, PUBLIC, api)
            for api, d in documents.items()
            for suffix in ("/docs", "/openapi.json")
        ]
        bases = {api: d["servers"][0]["url"] for api, d in documents.items()}
        for found in operations(documents):
            if found.operation_id:
                self._by_id[(bases[found.api], found.operation_id)] = found
            if "{" in found.path:
                pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(found.path))
                self._patterns.append((re.compile(pattern + "/?"), found))
            else:
                self._exact[(found.method, found.path.rstrip("/"))] = found

    def of_operation(self, base_path: str, operation_id: str) -> Operation | None:
        """The operation ``operation_id`` of the API served at ``base_path``."""
        return self._by_id.get((base_path, operation_id))

    def match(self, method: str, path: str) -> Operation | None:
        """The operation whose template ``path`` fits (None: no document or route has it)."""
        verb = "GET" if method == "HEAD" else method
        if verb == "GET":
            page = next((p for p in self._pages if path.startswith(p.path)), None)
            if page is not None:
                return page
        found = self._exact.get((verb, path.rstrip("/")))
        if found is not None:
            return found
        return next(
            (op for p, op in self._patterns if op.method == verb and p.fullmatch(path)), None
        )


class ScopeMap:
    """``(method, path) -> scope``; ``PUBLIC`` for open pages, None for paths no document has
    (they still need a valid token: what is not known is not open)."""

    def __init__(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        self.routes = Routes(documents)

    def required(self, method: str, path: str) -> str | None:
        found = self.routes.match(method, path)
        return None if found is None else found.scope
