"""TMF637 handlers: the installed base as TMF Product JSON; writes are corrections."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from connexion import request
from starlette.responses import Response

from core.inventory.corrections import InventoryCorrections
from core.inventory.model import InstalledProduct, rendered
from core.inventory.service import KIND, SCHEMA, InventoryService, etag_of
from core.query import project
from core.requests import RequestContext
from server import http
from tmf637 import BASE_PATH

REASON_HEADER = "x-correction-reason"  # why a correction is made: kept in its audit record


class ProductHandlers:
    """product: list and retrieve; create, patch and delete when corrections are on."""

    def __init__(
        self,
        inventory: InventoryService,
        corrections: InventoryCorrections,
        public_base_url: str | None,
        trust_actor_headers: bool = False,
    ) -> None:
        self.inventory = inventory
        self.corrections = corrections
        self.public_base_url = public_base_url
        self.trust_actor_headers = trust_actor_headers  # believe X-Actor-Id/X-Actor-Roles
        self._required = functools.partial(inventory.schemas.required, SCHEMA)

    def resolve(self, operation_id: str) -> Callable[..., Response] | None:
        return http.operation_handler(self, operation_id, (KIND,))

    def _ctx(self) -> RequestContext:
        return http.context(self.public_base_url, BASE_PATH, self.trust_actor_headers)

    def _answer(self, product: InstalledProduct, status: int, ctx: RequestContext) -> Response:
        document = rendered(product, ctx.base_url)
        headers = {"ETag": etag_of(product)}
        if status == 201:
            headers["Location"] = document["href"]
        return http.json_response(document, status, headers)

    def list(self, kind: str, **_: Any) -> Response:
        ctx = self._ctx()
        page = self.inventory.get_all(http.query_pairs(), ctx)
        body = [
            project(rendered(p, ctx.base_url), page.query.fields, self._required)
            for p in page.items
        ]
        status, headers = http.list_headers(page.total, len(body), page.exact)
        return http.json_response(body, status, headers)

    def retrieve(self, kind: str, id: str, **_: Any) -> Response:
        fields = [(k, v) for k, v in http.query_pairs() if k == "fields"]
        query = self.inventory.list_query(fields)  # a bad projection is a 400 before any read
        ctx = self._ctx()
        found = self.inventory.get(id, ctx)
        document = project(rendered(found, ctx.base_url), query.fields, self._required)
        return http.json_response(document, 200, {"ETag": etag_of(found)})

    def create(self, kind: str, body: Any = None, **_: Any) -> Response:
        ctx = self._ctx()
        product = self.corrections.create(body, ctx, request.headers.get(REASON_HEADER))
        return self._answer(product, 201, ctx)

    def patch(self, kind: str, id: str, body: Any = None, **_: Any) -> Response:
        ctx = self._ctx()
        product = self.corrections.patch(
            id,
            body,
            http.patch_format(),
            ctx,
            request.headers.get("if-match"),
            request.headers.get(REASON_HEADER),
        )
        return self._answer(product, 200, ctx)

    def delete(self, kind: str, id: str, **_: Any) -> Response:
        ctx = self._ctx()
        self.corrections.delete(
            id, ctx, request.headers.get("if-match"), request.headers.get(REASON_HEADER)
        )
        return http.empty_response(204)
