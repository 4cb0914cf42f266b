"""Handlers of our operations API (/admin/v1): the repair queue and an order's whole story."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from core.fulfillment import evidence
from core.fulfillment.fallout import FalloutService
from core.persistence.database import Database
from server import http


class AdminHandlers:
    """Bound by operationId like the TMF handlers; each repair is a POST with who and why."""

    def __init__(self, fallout: FalloutService, db: Database) -> None:
        self.fallout = fallout
        self.db = db

    def resolve(self, operation_id: str) -> Callable[..., Response] | None:
        handlers: dict[str, Callable[..., Response]] = {
            "listFallout": self.list_fallout,
            "retrieveFallout": self.retrieve_fallout,
            "retryFallout": self.retry,
            "skipFallout": self.skip,
            "failFallout": self.fail,
            "retrieveOrderTimeline": self.timeline,
        }
        return handlers.get(operation_id)

    def list_fallout(self, offset: int = 0, limit: int = 100) -> Response:
        tasks, total = self.fallout.list(limit, offset)
        body = [evidence.task_view(t) for t in tasks]
        status, headers = http.list_headers(total, len(body))
        return http.json_response(body, status, headers)

    def retrieve_fallout(self, id: str) -> Response:
        return http.json_response(evidence.task_view(self.fallout.get(id)))

    def _repair(self, action: str, id: str, body: dict[str, Any]) -> Response:
        task = self.fallout.repair(
            id, action, body.get("actor"), body.get("reason"), body.get("result")
        )
        return http.json_response(evidence.task_view(task))

    def retry(self, id: str, body: dict[str, Any]) -> Response:
        return self._repair("retry", id, body)

    def skip(self, id: str, body: dict[str, Any]) -> Response:
        return self._repair("skip", id, body)

    def fail(self, id: str, body: dict[str, Any]) -> Response:
        return self._repair("fail", id, body)

    def timeline(self, id: str) -> Response:
        return http.json_response(evidence.timeline(self.db, id))
