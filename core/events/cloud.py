"""Outbox events as CloudEvents 1.0 in structured JSON mode (the ``cloudevents`` package)."""

from __future__ import annotations

import re

from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from core.events.model import DomainEvent
from core.events.subscription import API_OF_DOMAIN
from core.timeutil import parse_datetime

CONTENT_TYPE = "application/cloudevents+json"
_FORMAT = JSONFormat()
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def change_of(event: DomainEvent) -> str:
    """``ProductOrderStateChangeEvent`` of ``productOrder`` -> ``stateChange``."""
    name = event.event_type.removesuffix("Event")
    kind = event.resource_kind
    if name[:1].lower() + name[1 : len(kind)] == kind:
        name = name[len(kind) :]
    return name[:1].lower() + name[1:]


def api_of(event: DomainEvent) -> str:
    """The TMF API of the event (``tmf622``), or our own domain's name for our own facts."""
    domain = str(event.payload.get("domain") or "tmf")
    return API_OF_DOMAIN.get(domain, domain)


def cloud_type(event: DomainEvent) -> str:
    """``org.tmforum.tmf622.productOrder.stateChange.v4`` for TMF events; our own facts (e.g.
    approval) are ``io.tmf-adapter.approval.approvalCase.create.v1``, not in TM Forum's name."""
    if str(event.payload.get("domain")) in API_OF_DOMAIN:
        return f"org.tmforum.{api_of(event)}.{event.resource_kind}.{change_of(event)}.v4"
    return f"io.tmf-adapter.{api_of(event)}.{event.resource_kind}.{change_of(event)}.v1"


def subject_of(event: DomainEvent, prefix: str) -> str:
    """The NATS subject: one per API and resource kind, e.g. ``tmf.tmf622.productOrder``."""
    return f"{prefix}.{api_of(event)}.{_UNSAFE.sub('_', event.resource_kind)}"


def source_of(event: DomainEvent, base_paths: dict[str, str]) -> str:
    """The API base URL: taken from the resource's href when it has one, else the base path."""
    base = base_paths.get(api_of(event), "/")
    resource = (event.payload.get("event") or {}).get(event.resource_kind) or {}
    href = resource.get("href") if isinstance(resource, dict) else None
    if isinstance(href, str) and base in href:
        return href[: href.index(base) + len(base)]
    return base


def to_cloudevent(event: DomainEvent, base_paths: dict[str, str]) -> bytes:
    """The structured-mode JSON of ``event``; ``data`` is the TMF notification body."""
    attributes = {
        "specversion": "1.0",
        "id": event.event_id,
        "type": cloud_type(event),
        "source": source_of(event, base_paths),
        "subject": event.resource_id,
        "time": parse_datetime(event.occurred_at),
        "datacontenttype": "application/json",
        # What caused the change: the request (its correlation id) when there was one; no
        # finer cause (a task, an earlier event) is recorded yet.
        "causationid": event.correlation_id or event.event_id,
    }
    if event.correlation_id:
        attributes["correlationid"] = event.correlation_id
    if event.actor:
        attributes["actor"] = event.actor  # extension: who caused the change
    return bytes(_FORMAT.write(CloudEvent(attributes, event.payload)))
