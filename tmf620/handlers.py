"""TMF620 handlers: translate HTTP to catalog use cases and documents back to TMF JSON."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from connexion import request
from starlette.responses import Response

from core.catalog.kinds import KINDS
from core.catalog.model import CatalogEntity
from core.catalog.service import CatalogPage, CatalogService
from core.lru import GenerationCache
from core.query import project
from server import http
from tmf620 import BASE_PATH

# List answers kept rendered, per process: at most this many, of at most this many bytes in all.
RENDERED_LISTS = 1024
RENDERED_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class RenderedList:
    """A list answer as it was sent: the encoded page, its status and its count headers."""

    content: bytes
    status: int
    headers: dict[str, str]


def _list_key(kind: str, base: str) -> Hashable:
    """What a list answer depends on: the kind, the address its hrefs are made from, and the
    query string as sent (kept only once it was parsed and answered)."""
    return (kind, base, request.scope["query_string"])


class CatalogHandlers:
    """One method per operation kind; ``resolve`` binds an operationId to the right one."""

    def __init__(self, service: CatalogService, public_base_url: str | None) -> None:
        self.service = service
        self.public_base_url = public_base_url
        # Sales channels ask for the same pages again and again while the catalog is unchanged:
        # an answer rendered at the current generation is the answer, sent again as it was.
        self.rendered: GenerationCache[RenderedList] = GenerationCache(
            RENDERED_LISTS, RENDERED_BYTES, lambda answer: len(answer.content)
        )

    def resolve(self, operation_id: str) -> Callable[..., Response] | None:
        """The handler for an operationId such as ``patchProductOffering``."""
        return http.operation_handler(self, operation_id, KINDS)

    def _required(self, kind: str) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
        return functools.partial(self.service.schemas.required, KINDS[kind].schema)

    def _out(self, entity: CatalogEntity, base: str | None = None) -> dict[str, Any]:
        """The stored document with its href for the address the caller used."""
        base = base or http.base_url(self.public_base_url, BASE_PATH)
        document = dict(entity.document)
        document["href"] = f"{base}/{entity.kind}/{entity.id}"
        return document

    def list(self, kind: str, **_: Any) -> Response:
        return self._page(kind, self.service.get_all(kind, http.query_pairs()))

    def quick_list(self, kind: str, **_: Any) -> Response | None:
        """The list answer if it can be had quickly (see ``http.operation_handler``): rendered
        before at the catalog's current generation (one read of the counter), or a page read
        quickly before; None sends the request to the thread pool."""
        generation = self.service.generation()
        if generation is not None:
            base = http.base_url(self.public_base_url, BASE_PATH)
            answer = self.rendered.get(_list_key(kind, base), generation)
            if answer is not None:
                return http.encoded_response(answer.content, answer.status, answer.headers)
        page = self.service.quick_page(kind, http.query_pairs())
        return None if page is None else self._page(kind, page)

    def _page(self, kind: str, page: CatalogPage) -> Response:
        base = http.base_url(self.public_base_url, BASE_PATH)  # once per page, not per entity
        keep = self._required(kind)
        body = [project(self._out(e, base), page.query.fields, keep) for e in page.entities]
        status, headers = http.list_headers(page.total, len(body))
        content = http.encode_json(body)
        if page.generation is not None:
            answer = RenderedList(content, status, headers)
            self.rendered.put(_list_key(kind, base), page.generation, answer)
        return http.encoded_response(content, status, headers)

    def create(self, kind: str, body: Any = None, **_: Any) -> Response:
        ctx = http.context(self.public_base_url, BASE_PATH)
        entity = self.service.create(kind, body, ctx)
        document = self._out(entity)
        return http.json_response(
            document, 201, {"Location": document["href"], "ETag": entity.etag}
        )

    def retrieve(self, kind: str, id: str, **_: Any) -> Response:
        fields = [(k, v) for k, v in http.query_pairs() if k == "fields"]
        query = self.service.list_query(kind, fields)  # a bad projection is a 400 before any read
        entity = self.service.get(kind, id)
        return http.json_response(
            project(self._out(entity), query.fields, self._required(kind)),
            200,
            {"ETag": entity.etag},
        )

    def patch(self, kind: str, id: str, body: Any = None, **_: Any) -> Response:
        ctx = http.context(self.public_base_url, BASE_PATH)
        entity = self.service.patch(
            kind, id, body, http.patch_format(), ctx, request.headers.get("if-match")
        )
        return http.json_response(self._out(entity), 200, {"ETag": entity.etag})

    def delete(self, kind: str, id: str, **_: Any) -> Response:
        ctx = http.context(self.public_base_url, BASE_PATH)
        self.service.delete(kind, id, ctx, request.headers.get("if-match"))
        return http.empty_response(204)
