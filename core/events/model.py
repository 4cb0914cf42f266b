"""A domain event is a fact about one resource; its payload is the TMF notification body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Change = Literal["Create", "AttributeValueChange", "StateChange", "Delete", "InformationRequired"]

_TITLES = {
    "Create": "{what} created",
    "AttributeValueChange": "{what} changed",
    "StateChange": "{what} state changed",
    "Delete": "{what} deleted",
    "InformationRequired": "{what} needs attention",
}


@dataclass(frozen=True)
class DomainEvent:
    event_id: str
    event_type: str
    resource_kind: str
    resource_id: str
    occurred_at: str
    correlation_id: str | None
    payload: dict[str, Any]
    seq: int | None = None  # its place in the outbox, once written
    actor: str | None = None  # who caused it (the token's actor), when known
    traceparent: str | None = None  # the span that raised it; else the current one when stored


def event_type(resource_kind: str, change: Change) -> str:
    """``productOffering`` + ``Create`` -> ``ProductOfferingCreateEvent`` (the standard's names)."""
    return f"{resource_kind[0].upper()}{resource_kind[1:]}{change}Event"


def resource_event(
    *,
    resource_kind: str,
    change: Change,
    document: dict[str, Any],
    event_id: str,
    occurred_at: str,
    correlation_id: str | None,
    domain: str,
    actor: str | None = None,
    traceparent: str | None = None,
) -> DomainEvent:
    """The event for a change of one resource, with its TMF notification body."""
    name = event_type(resource_kind, change)
    payload = {
        "eventId": event_id,
        "eventTime": occurred_at,
        "eventType": name,
        "correlationId": correlation_id,
        "domain": domain,
        "title": _TITLES[change].format(what=resource_kind),
        "description": f"{name} for {resource_kind} {document.get('id')}",
        "priority": "normal",
        "timeOcurred": occurred_at,
        "event": {resource_kind: document},
    }
    return DomainEvent(
        event_id=event_id,
        event_type=name,
        resource_kind=resource_kind,
        resource_id=str(document.get("id")),
        occurred_at=occurred_at,
        correlation_id=correlation_id,
        payload={k: v for k, v in payload.items() if v is not None},
        actor=actor,
        traceparent=traceparent,
    )
