"""A hub subscription: a listener of one API's events, with an optional filter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.events.filters import EventFilter

# The API an event belongs to, from the ``domain`` of its body.
API_OF_DOMAIN = {
    "productCatalogManagement": "tmf620",
    "productOrderingManagement": "tmf622",
}


@dataclass(frozen=True)
class Subscription:
    """One registered listener of one API; ``secret`` (ours) signs what it is sent."""

    id: str
    api: str
    callback: str
    query: str | None
    secret: str | None
    created_at: str

    def document(self) -> dict[str, Any]:
        """The TMF ``EventSubscription`` (the secret is never shown back)."""
        body = {"id": self.id, "callback": self.callback}
        if self.query:
            body["query"] = self.query
        return body

    def view(self) -> dict[str, Any]:
        """What operators see (whether it signs, never the secret)."""
        return {
            **self.document(),
            "api": self.api,
            "signed": self.secret is not None,
            "createdAt": self.created_at,
        }

    def event_filter(self) -> EventFilter:
        return EventFilter.parse(self.query)
