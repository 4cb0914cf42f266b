"""TMF622 handlers: translate HTTP to ordering use cases and orders back to TMF JSON."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from connexion import request
from starlette.responses import Response

from core.ordering.cancellation import CancellationService
from core.ordering.model import CancelRequest, ProductOrder
from core.ordering.service import OrderingService
from core.ordering.support import Page, UseCases
from core.query import Query, project
from core.requests import RequestContext
from server import http
from tmf622 import BASE_PATH

SNAPSHOT = "pricingSnapshot"  # our extension attribute: what was promised, with its fingerprint
T = TypeVar("T", ProductOrder, CancelRequest)


class _Handlers(Generic[T]):
    """list and retrieve, shared by both resources; ``_out`` renders one as TMF JSON."""

    def __init__(
        self, service: UseCases[T], public_base_url: str | None, trust_actor_headers: bool = False
    ) -> None:
        self.service: UseCases[T] = service
        self.public_base_url = public_base_url
        self.trust_actor_headers = trust_actor_headers  # believe X-Actor-Id/X-Actor-Roles
        self._required = functools.partial(service.schemas.required, service.schema)

    def resolve(self, operation_id: str) -> Callable[..., Response] | None:
        return http.operation_handler(self, operation_id, (self.service.kind,))

    def _out(self, resource: T, base: str) -> dict[str, Any]:
        raise NotImplementedError

    def _headers(self, resource: T) -> dict[str, str]:
        return {}

    def _base(self) -> str:
        return http.base_url(self.public_base_url, BASE_PATH)

    def _ctx(self) -> RequestContext:
        return http.context(self.public_base_url, BASE_PATH, self.trust_actor_headers)

    def list(self, kind: str, **_: Any) -> Response:
        return self._list(self.service.list_query(http.query_pairs()))

    def _list(self, query: Query) -> Response:
        page = self.service.page(query, self._ctx())
        base = self._base()  # once per page, not per resource
        body = [project(self._out(r, base), page.query.fields, self._required) for r in page.items]
        status, headers = http.list_headers(page.total, len(body), page.exact)
        return http.json_response(body, status, headers)

    def retrieve(self, kind: str, id: str, **_: Any) -> Response:
        fields = [(k, v) for k, v in http.query_pairs() if k == "fields"]
        query = self.service.list_query(fields)  # a bad projection is a 400 before any read
        found = self.service.get(id, self._ctx())
        document = project(self._out(found, self._base()), query.fields, self._required)
        return http.json_response(document, 200, self._headers(found))


class OrderHandlers(_Handlers[ProductOrder]):
    """productOrder: list, create, retrieve, patch, delete."""

    def __init__(
        self,
        service: OrderingService,
        public_base_url: str | None,
        trust_actor_headers: bool = False,
    ) -> None:
        super().__init__(service, public_base_url, trust_actor_headers)
        self.orders = service

    def _out(self, order: ProductOrder, base: str) -> dict[str, Any]:
        document = dict(order.document)
        document["href"] = f"{base}/productOrder/{order.id}"
        if order.snapshot is not None:
            document[SNAPSHOT] = order.snapshot
        return document

    def _headers(self, order: ProductOrder) -> dict[str, str]:
        return {"ETag": order.etag}

    def _list(self, query: Query) -> Response:
        """Without a projection, the page as the store renders it (no decoding, no encoding)."""
        if query.fields is not None:
            return super()._list(query)
        prefix = f"{self._base()}/productOrder/"
        return self._rendered(self.orders.rendered_page(query, self._ctx(), prefix, SNAPSHOT))

    def quick_list(self, kind: str, **_: Any) -> Response | None:
        """The list answer if the same page was read quickly before (see
        ``http.operation_handler``); None sends the request to the request threads."""
        query = self.service.list_query(http.query_pairs())
        if query.fields is not None:
            return None
        prefix = f"{self._base()}/productOrder/"
        page = self.orders.quick_rendered_page(query, self._ctx(), prefix, SNAPSHOT)
        return None if page is None else self._rendered(page)

    @staticmethod
    def _rendered(page: Page[str]) -> Response:
        content = b"[" + b",".join(text.encode() for text in page.items) + b"]"
        status, headers = http.list_headers(page.total, len(page.items), page.exact)
        return http.encoded_response(content, status, headers)

    def create(self, kind: str, body: Any = None, **_: Any) -> Response:
        ctx = self._ctx()
        key = request.headers.get("idempotency-key")
        order, _new = self.orders.place(body, ctx, key, schema_checked=True)
        document = self._out(order, self._base())
        return http.json_response(document, 201, {"Location": document["href"], "ETag": order.etag})

    def patch(self, kind: str, id: str, body: Any = None, **_: Any) -> Response:
        ctx = self._ctx()
        order = self.orders.patch(
            id, body, http.patch_format(), ctx, request.headers.get("if-match")
        )
        return http.json_response(self._out(order, self._base()), 200, {"ETag": order.etag})

    def delete(self, kind: str, id: str, **_: Any) -> Response:
        ctx = self._ctx()
        self.orders.delete(id, ctx, request.headers.get("if-match"))
        return http.empty_response(204)


class CancelHandlers(_Handlers[CancelRequest]):
    """cancelProductOrder: list, create, retrieve."""

    def __init__(self, service: CancellationService, public_base_url: str | None) -> None:
        super().__init__(service, public_base_url)
        self.cancellation = service

    def _out(self, cancel: CancelRequest, base: str) -> dict[str, Any]:
        document = dict(cancel.document)
        document["href"] = f"{base}/cancelProductOrder/{cancel.id}"
        document["productOrder"] = {
            **document["productOrder"],
            "href": f"{base}/productOrder/{cancel.order_id}",
        }
        return document

    def create(self, kind: str, body: Any = None, **_: Any) -> Response:
        ctx = self._ctx()
        cancel, _new = self.cancellation.cancel(body, ctx, request.headers.get("idempotency-key"))
        document = self._out(cancel, self._base())
        return http.json_response(document, 201, {"Location": document["href"]})
