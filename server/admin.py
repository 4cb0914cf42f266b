"""Handlers of our operations API (/admin/v1): the repair queue and an order's whole story."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from core.events.hub import Hub
from core.events.queue import DeliveryQueue
from core.fulfillment import evidence
from core.fulfillment.fallout import FalloutService
from core.fulfillment.notices import ProvisioningNotices
from core.persistence.database import Database
from server import http
from server.approvals import ADMIN_PATH


class AdminHandlers:
    """Bound by operationId like the TMF handlers; each repair is a POST with who and why."""

    def __init__(
        self, fallout: FalloutService, db: Database, deliveries: DeliveryQueue, hub: Hub
    ) -> None:
        self.fallout = fallout
        self.db = db
        self.deliveries = deliveries
        self.hub = hub
        self.notices = ProvisioningNotices(db, deliveries.now)

    def resolve(self, operation_id: str) -> Callable[..., Response] | None:
        handlers: dict[str, Callable[..., Response]] = {
            "listFallout": self.list_fallout,
            "retrieveFallout": self.retrieve_fallout,
            "retryFallout": self.retry,
            "skipFallout": self.skip,
            "failFallout": self.fail,
            "retrieveOrderTimeline": self.timeline,
            "listDeliveries": self.list_deliveries,
            "retrieveDelivery": self.retrieve_delivery,
            "replayDelivery": self.replay_delivery,
            "replayDeliveries": self.replay_deliveries,
            "listSubscriptions": self.list_subscriptions,
            "serviceOrderStateChangeEvent": self.service_order_changed,
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
        task = self.fallout.repair(id, action, acting(body), body.get("reason"), body.get("result"))
        return http.json_response(evidence.task_view(task))

    def retry(self, id: str, body: dict[str, Any]) -> Response:
        return self._repair("retry", id, body)

    def skip(self, id: str, body: dict[str, Any]) -> Response:
        return self._repair("skip", id, body)

    def fail(self, id: str, body: dict[str, Any]) -> Response:
        return self._repair("fail", id, body)

    def timeline(self, id: str) -> Response:
        return http.json_response(evidence.timeline(self.db, id))

    def list_deliveries(
        self,
        status: str | None = None,
        subscriptionId: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Response:
        found, total = self.deliveries.page(status, subscriptionId, limit, offset)
        status_code, headers = http.list_headers(total, len(found))
        return http.json_response([d.view() for d in found], status_code, headers)

    def retrieve_delivery(self, id: str) -> Response:
        return http.json_response(self.deliveries.get(id).view())

    def replay_delivery(self, id: str, body: dict[str, Any]) -> Response:
        delivery = self.deliveries.replay(id, acting(body), body["reason"])
        return http.json_response(delivery.view())

    def replay_deliveries(self, body: dict[str, Any]) -> Response:
        count = self.deliveries.replay_all(body.get("subscriptionId"), acting(body), body["reason"])
        return http.json_response({"replayed": count})

    def list_subscriptions(self) -> Response:
        return http.json_response([s.view() for s in self.hub.all()])

    def service_order_changed(self, body: dict[str, Any]) -> Response:
        new, hurried = self.notices.receive(body)
        return http.json_response(
            {"eventId": body["eventId"], "duplicate": not new, "tasks": hurried}, 201
        )


def acting(body: dict[str, Any]) -> str | None:
    """Who performs a manual action: the token's actor when there is one (a body's ``actor``
    is then ignored); without authentication, the ``actor`` the body names."""
    return http.context(None, ADMIN_PATH).actor or body.get("actor")
