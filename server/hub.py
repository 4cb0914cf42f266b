"""Handlers of ``/hub`` for both TMF APIs: subscribe, read back, unsubscribe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from core.events.hub import Hub
from core.requests import RequestContext
from server import http


class HubHandlers:
    """``registerListener``, ``retrieveListener`` (ours), ``unregisterListener`` of one API."""

    def __init__(self, hub: Hub, api: str, base_path: str, public_base_url: str | None) -> None:
        self.hub = hub
        self.api = api
        self.base_path = base_path
        self.public_base_url = public_base_url

    def resolve(self, operation_id: str) -> Callable[..., Response] | None:
        handlers: dict[str, Callable[..., Response]] = {
            "registerListener": self.register,
            "retrieveListener": self.retrieve,
            "unregisterListener": self.unregister,
        }
        return handlers.get(operation_id)

    def _ctx(self) -> RequestContext:
        return http.context(self.public_base_url, self.base_path)

    def register(self, body: dict[str, Any]) -> Response:
        subscription = self.hub.subscribe(self.api, body, self._ctx())
        location = f"{http.base_url(self.public_base_url, self.base_path)}/hub/{subscription.id}"
        return http.json_response(subscription.document(), 201, {"Location": location})

    def retrieve(self, id: str) -> Response:
        return http.json_response(self.hub.get(self.api, id, self._ctx()).document())

    def unregister(self, id: str) -> Response:
        self.hub.unsubscribe(self.api, id, self._ctx())
        return http.empty_response(204)
