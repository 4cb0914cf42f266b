"""TMF622 handlers: translate HTTP to ordering use cases and orders back to TMF JSON."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from connexion import request
from starlette.responses import Response

from core.ordering.cancellation import CancellationService
from core.ordering.model import CancelRequest, ProductOrder
from core.ordering.service import OrderingService
from core.query import project
from server import http
from tmf622 import BASE_PATH

SNAPSHOT = "pricingSnapshot"  # our extension attribute: what was promised, with its fingerprint


class OrderHandlers:
    """productOrder: list, create, retrieve, patch, delete."""

    def __init__(self, service: OrderingService, public_base_url: str | None) -> None:
        self.service = service
        self.public_base_url = public_base_url
        self._required = functools.partial(service.schemas.required, "ProductOrder")

    def resolve(self, operation_id: str) -> Callable[..., Response] | None:
        return http.operation_handler(self, operation_id, ("productOrder",))

    def _out(self, order: ProductOrder, base: str | None = None) -> dict[str, Any]:
        base = base or http.base_url(self.public_base_url, BASE_PATH)
        document = dict(order.document)
        document["href"] = f"{base}/productOrder/{order.id}"
        if order.snapshot is not None:
            document[SNAPSHOT] = order.snapshot
        return document

    def list(self, kind: str, **_: Any) -> Response:
        page = self.service.get_all(http.query_pairs())
        base = http.base_url(self.public_base_url, BASE_PATH)
        body = [project(self._out(o, base), page.query.fields, self._required) for o in page.orders]
        status, headers = http.list_headers(page.total, len(body))
        return http.json_response(body, status, headers)

    def create(self, kind: str, body: Any = None, **_: Any) -> Response:
        ctx = http.context(self.public_base_url, BASE_PATH)
        order, _new = self.service.place(body, ctx, request.headers.get("idempotency-key"))
        document = self._out(order)
        return http.json_response(document, 201, {"Location": document["href"], "ETag": order.etag})

    def retrieve(self, kind: str, id: str, **_: Any) -> Response:
        fields = [(k, v) for k, v in http.query_pairs() if k == "fields"]
        query = self.service.list_query(fields)
        order = self.service.get(id)
        return http.json_response(
            project(self._out(order), query.fields, self._required), 200, {"ETag": order.etag}
        )

    def patch(self, kind: str, id: str, body: Any = None, **_: Any) -> Response:
        ctx = http.context(self.public_base_url, BASE_PATH)
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k != SNAPSHOT} if body.get(SNAPSHOT) else body
        order = self.service.patch(
            id, body, http.patch_format(), ctx, request.headers.get("if-match")
        )
        return http.json_response(self._out(order), 200, {"ETag": order.etag})

    def delete(self, kind: str, id: str, **_: Any) -> Response:
        ctx = http.context(self.public_base_url, BASE_PATH)
        self.service.delete(id, ctx, request.headers.get("if-match"))
        return http.empty_response(204)


class CancelHandlers:
    """cancelProductOrder: list, create, retrieve."""

    def __init__(self, service: CancellationService, public_base_url: str | None) -> None:
        self.service = service
        self.public_base_url = public_base_url
        self._required = functools.partial(service.schemas.required, "CancelProductOrder")

    def resolve(self, operation_id: str) -> Callable[..., Response] | None:
        return http.operation_handler(self, operation_id, ("cancelProductOrder",))

    def _out(self, cancel: CancelRequest, base: str | None = None) -> dict[str, Any]:
        base = base or http.base_url(self.public_base_url, BASE_PATH)
        document = dict(cancel.document)
        document["href"] = f"{base}/cancelProductOrder/{cancel.id}"
        document["productOrder"] = {
            **document["productOrder"],
            "href": f"{base}/productOrder/{cancel.order_id}",
        }
        return document

    def list(self, kind: str, **_: Any) -> Response:
        page = self.service.get_all(http.query_pairs())
        base = http.base_url(self.public_base_url, BASE_PATH)
        body = [
            project(self._out(c, base), page.query.fields, self._required) for c in page.requests
        ]
        status, headers = http.list_headers(page.total, len(body))
        return http.json_response(body, status, headers)

    def create(self, kind: str, body: Any = None, **_: Any) -> Response:
        ctx = http.context(self.public_base_url, BASE_PATH)
        cancel, _new = self.service.cancel(body, ctx, request.headers.get("idempotency-key"))
        document = self._out(cancel)
        return http.json_response(document, 201, {"Location": document["href"]})

    def retrieve(self, kind: str, id: str, **_: Any) -> Response:
        fields = [(k, v) for k, v in http.query_pairs() if k == "fields"]
        query = self.service.list_query(fields)
        cancel = self.service.get(id)
        return http.json_response(project(self._out(cancel), query.fields, self._required))
