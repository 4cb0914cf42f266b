"""A hub subscription: a listener of one API's events, with an optional filter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.events.filters import EventFilter

# The API an event belongs to, from the ``domain`` of its body.
API_OF_DOMAIN = {
    "productCatalogManagement": "tmf620",
    "productOrderingManagement": "tmf622",
    "productInventory": "tmf637",
}
# APIs whose events are about one customer's resources: a partner is sent only its customers'.
CONFINED_APIS = frozenset({"tmf622", "tmf637"})


@dataclass(frozen=True)
class Subscription:
    """One registered listener of one API; ``secret`` (ours) signs what it is sent."""

    id: str
    api: str
    callback: str
    query: str | None
    secret: str | None
    created_at: str
    owner: str | None = None  # the actor that registered it (authenticated callers)
    party_ids: frozenset[str] | None = None  # a partner's: only events of these customers

    def reaches(self, api: str | None, party_id: str | None) -> bool:
        """Whether an event of ``api`` about customer ``party_id`` may be sent to it."""
        if self.api != api:
            return False
        if self.party_ids is None or api not in CONFINED_APIS:
            return True
        return party_id is not None and party_id in self.party_ids

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
            **({"owner": self.owner} if self.owner else {}),
            **({"partyIds": sorted(self.party_ids)} if self.party_ids is not None else {}),
        }

    def event_filter(self) -> EventFilter:
        return EventFilter.parse(self.query)
