"""Ports: what the core needs from the outside world, as protocols the adapters implement."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol


class Clock(Protocol):
    """Source of the current time, injectable so tests can fix it."""

    def now(self) -> datetime: ...


class IdGenerator(Protocol):
    """Source of new resource and event identifiers."""

    def new_id(self) -> str: ...


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class UuidGenerator:
    """Random UUID4 identifiers: unguessable and unique across replicas."""

    def new_id(self) -> str:
        return str(uuid.uuid4())


class CatalogFiles(Protocol):
    """Where catalog files are read from (import) and written to (export)."""

    def read(self, url: str) -> bytes:
        """The bytes at ``url``; InvalidRequest when it may not or cannot be read."""
        ...

    def write(self, name: str, content: bytes) -> None:
        """Store an export file under ``name`` (replacing any earlier one)."""
        ...


# -- fulfillment: the systems an order is carried out in --------------------------------------


class OutcomeStatus(StrEnum):
    """What became of a call to a fulfillment system."""

    DONE = "done"
    RETRYABLE = "failed-retryable"  # nothing happened; calling again later may work
    PERMANENT = "failed-permanent"  # nothing happened; calling again will not help
    UNKNOWN = "unknown"  # it may have happened (timeout, lost answer, still in progress)
    NOT_FOUND = "not-found"  # status query only: the system never saw this idempotency key


@dataclass(frozen=True)
class Outcome:
    """The answer of one call: its status, a human reason and the system's own reference."""

    status: OutcomeStatus
    detail: str = ""
    reference: str | None = None  # e.g. the contract id or service order id in that system
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskRequest:
    """Everything a system needs to carry out one step of one order item.

    ``idempotency_key`` is the same on every attempt of the step, so the system can refuse to
    do it twice; ``correlation_id`` ties the call to the client request that placed the order.
    """

    idempotency_key: str
    correlation_id: str | None
    order_id: str
    item_id: str | None
    customer_id: str | None
    offering_id: str | None = None
    product_id: str | None = None
    target: str | None = None  # the service specification (provisioning) or agreement (CLM)
    characteristics: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)  # prices for billing, earlier config, ...
    traceparent: str | None = None  # W3C trace context of this call, for the system's traces


class CrmPort(Protocol):
    """The customer system: is the party a customer whose account can take orders?"""

    def check_customer(self, request: TaskRequest) -> Outcome: ...

    def status(self, idempotency_key: str) -> Outcome: ...


class ClmPort(Protocol):
    """Contract lifecycle management: contracts for offerings that need one."""

    def create_contract(self, request: TaskRequest) -> Outcome: ...

    def cancel_contract(self, request: TaskRequest) -> Outcome: ...

    def status(self, idempotency_key: str) -> Outcome: ...


class ProvisioningPort(Protocol):
    """Service activation: turns a product's services on, changes or removes them."""

    def activate(self, request: TaskRequest) -> Outcome: ...

    def modify(self, request: TaskRequest) -> Outcome: ...

    def deactivate(self, request: TaskRequest) -> Outcome: ...

    def suspend(self, request: TaskRequest) -> Outcome: ...

    def resume(self, request: TaskRequest) -> Outcome: ...

    def status(self, idempotency_key: str) -> Outcome: ...


class BillingPort(Protocol):
    """Charging: starts, changes or stops what the customer pays for a product."""

    def start(self, request: TaskRequest) -> Outcome: ...

    def change(self, request: TaskRequest) -> Outcome: ...

    def stop(self, request: TaskRequest) -> Outcome: ...

    def pause(self, request: TaskRequest) -> Outcome: ...

    def resume(self, request: TaskRequest) -> Outcome: ...

    def status(self, idempotency_key: str) -> Outcome: ...


@dataclass(frozen=True)
class FulfillmentSystems:
    """The four systems the orchestrator works with, as configured."""

    crm: CrmPort
    clm: ClmPort
    provisioning: ProvisioningPort
    billing: BillingPort

    def port(self, name: str) -> Any:
        return getattr(self, name)


@dataclass(frozen=True)
class Notification:
    """One HTTP POST of an event body to a subscriber, at an address the guard vetted."""

    url: str
    host: str
    address: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class NotificationResult:
    """The subscriber's status code, or why no answer came (refused, timed out, ...)."""

    status: int | None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class NotificationSender(Protocol):
    """Posts notifications to subscribers; never follows a redirect. Thread-safe."""

    def send(self, notification: Notification, timeout: float) -> NotificationResult: ...
