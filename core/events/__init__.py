"""Domain events and their TMF notification form, written to the outbox with each change."""

from core.events.model import DomainEvent, resource_event

__all__ = ["DomainEvent", "resource_event"]
