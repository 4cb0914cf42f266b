"""A delivery: one event owed to one subscriber, retried until it arrives or is dead-lettered."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from core.timeutil import backoff_seconds, format_utc, parse_datetime

WAITING = "waiting"  # behind an earlier event of the same resource owed to the subscriber
PENDING = "pending"
DELIVERED = "delivered"
DEAD = "dead"


@dataclass
class Delivery:
    seq: int
    subscription_id: str
    outbox_seq: int
    event_id: str
    event_type: str
    stream: str
    status: str
    attempts: int
    due_at: str
    created_at: str
    lease_until: str | None = None
    last_error: str | None = None
    delivered_at: str | None = None
    # The TMF event body and its correlation id, read with a claim (not stored with the row).
    payload: dict[str, Any] | None = None
    correlation_id: str | None = None
    traceparent: str | None = None  # of the span that raised the event

    def view(self) -> dict[str, Any]:
        """What the admin API shows of it."""
        return {
            "id": str(self.seq),
            "subscriptionId": self.subscription_id,
            "eventId": self.event_id,
            "eventType": self.event_type,
            "stream": self.stream,
            "status": self.status,
            "attempts": self.attempts,
            "dueAt": self.due_at,
            "createdAt": self.created_at,
            **({"lastError": self.last_error} if self.last_error else {}),
            **({"deliveredAt": self.delivered_at} if self.delivered_at else {}),
        }


@dataclass(frozen=True)
class DeliverySettings:
    """How hard the dispatcher tries one subscriber before the delivery is dead-lettered."""

    max_attempts: int = 8
    backoff_seconds: float = 1.0
    backoff_cap_seconds: float = 300.0
    timeout_seconds: float = 5.0
    # At most this many requests in flight to one subscriber (a slow one cannot take them all).
    per_subscriber: int = 8
    in_flight: int = 64
    batch: int = 200
    # Longer than any request may take, so a live dispatcher's claim is never taken over.
    lease_seconds: float = 30.0


def retry_at(now: str, attempts: int, settings: DeliverySettings, rng: random.Random) -> str:
    """When to try again after ``attempts`` failures (the backoff the orchestrator uses)."""
    delay = backoff_seconds(attempts, settings.backoff_seconds, settings.backoff_cap_seconds, rng)
    return later(now, delay)


def later(now: str, seconds: float) -> str:
    return format_utc(parse_datetime(now) + timedelta(seconds=seconds))
